# MNIST Studio: the usual tasks. Configuration comes from the environment (see
# .env.example); `make start` with nothing set runs on an embedded Postgres.
#   make start-telemetry OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318
#   make compose-scale APP=3 WORKERS=2

NODE    ?= node
DIST    := server/dist/server/src
TRACING := --import ./$(DIST)/observability/tracing.js
APP     ?= 2
WORKERS ?= 2
# Seconds the load test classifies for.
DURATION ?= 60
OTEL_EXPORTER_OTLP_ENDPOINT ?= http://localhost:4318
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo 'docker compose' || echo docker-compose)

.PHONY: help install build start start-telemetry worker test bench load train schema docker-build compose-config compose-up compose-scale compose-down clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  %-16s %s\n", $$1, $$2 }'

install: ## Install the dependencies exactly as locked
	npm ci --no-audit --no-fund

build: ## Compile the server and build the client
	npm run build

start: build ## Run the API (GraphQL, WebSocket, client, an in-process training worker)
	$(NODE) $(TRACING) $(DIST)/main.js

start-telemetry: build ## Run the API with OpenTelemetry traces sent to OTEL_EXPORTER_OTLP_ENDPOINT
	OTEL_EXPORTER_OTLP_ENDPOINT=$(OTEL_EXPORTER_OTLP_ENDPOINT) OTEL_SDK_DISABLED=false $(NODE) $(TRACING) $(DIST)/main.js

worker: build ## Run one more training worker against DATABASE_URL
	$(NODE) $(TRACING) $(DIST)/jobs/worker.main.js

test: ## Build and run every test (DATABASE_URL: a Postgres to create test databases on)
	npm test

bench: ## Build and run every benchmark
	npm run bench

load: build ## Classify with 64 clients for DURATION seconds and report the figures
	LOAD_DURATION_S=$(DURATION) $(NODE) bench/run.mjs load

train: ## Train a model on MNIST into data/model (npm run train -- --help for options)
	npm run train

schema: ## Print the GraphQL schema into schema.graphql
	npm run schema

docker-build: ## Build the container image mnist-studio:latest
	docker build -t mnist-studio:latest .

compose-config: ## Check docker-compose.yml (needs ADMIN_TOKEN, e.g. from .env)
	$(COMPOSE) config -q

compose-up: ## Start Postgres, one API and one worker in the background
	$(COMPOSE) up -d --build

compose-scale: ## Run APP API replicas and WORKERS training workers
	$(COMPOSE) up -d --build --scale app=$(APP) --scale worker=$(WORKERS)

compose-down: ## Stop the containers (the database volume stays)
	$(COMPOSE) down

clean: ## Remove build output and local state (.data holds the embedded Postgres)
	rm -rf server/dist client/build client/.svelte-kit .data test-artifacts
