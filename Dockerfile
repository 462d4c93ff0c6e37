# syntax=docker/dockerfile:1.7
# Multi-stage build: compile server and client with dev dependencies, then ship
# only production dependencies (without source maps), the compiled server and
# client, migrations and the default model, run as the unprivileged `node` user.
# Configuration comes only from environment variables (see .env.example).
#   API:    docker run -e DATABASE_URL=... -e ADMIN_TOKEN=... -p 3000:3000 mnist-studio
#   worker: docker run -e DATABASE_URL=... mnist-studio node server/dist/server/src/jobs/worker.main.js

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY client/package.json client/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 # Tests and benchmarks compile beside the server; the image runs neither.
 && rm -rf server/dist/test server/dist/bench \
 # tfjs alone ships ~100 MB of source maps nobody reads in production.
 && find node_modules -name '*.map' -type f -delete

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/server/package.json ./server/
COPY --from=build --chown=node:node /app/server/dist ./server/dist
COPY --from=build --chown=node:node /app/client/package.json ./client/
COPY --from=build --chown=node:node /app/client/build ./client/build
COPY --from=build --chown=node:node /app/data ./data
COPY --from=build --chown=node:node /app/schema.graphql ./
USER node
EXPOSE 3000
# /healthz answers 200 once a model is loaded and Postgres answers. Workers have no
# HTTP port: docker-compose.yml turns this check off for them.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The tracing preload does nothing unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
CMD ["node", "--import", "./server/dist/server/src/observability/tracing.js", "server/dist/server/src/main.js"]
