/**
 * The express app: request ids and logs, request metrics, `/healthz`,
 * `/metrics`, the GraphQL IDE, the caller's admin access, GraphQL over
 * HTTP at `/graphql`, then the SvelteKit client (when built).
 */
import express, { type Express, type RequestHandler } from 'express';
import type { AdminAuth } from '../auth/admin.js';
import { adminAccess } from '../auth/admin.http.js';
import { compileTrust } from '../auth/caller.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { AppMetrics } from '../observability/metrics.js';
import { bodyErrorHandler } from './body-errors.js';
import { clientIdCookie, rejectBadClientId } from './client-id.js';
import { graphiqlAssets, graphiqlPage, IDE_ASSETS } from './graphiql.js';
import { healthCheck, type Readiness } from './health.js';
import { httpMetrics, metricsEndpoint } from './metrics.js';
import { requestLogger } from './request-log.js';

export interface AppOptions {
  logger: Logger;
  readiness: Readiness;
  /** Apollo's express middleware for `/graphql`. */
  graphql: RequestHandler;
  /** Largest accepted JSON body, in bytes. */
  bodyLimit: number;
  /** The SvelteKit adapter-node handler, mounted last. */
  client?: RequestHandler;
  /** Routers mounted after `/graphql`, before the client (the dataset exports). */
  routes?: RequestHandler[];
  /** Decides `res.locals.admin` for every request after the health and metrics routes. */
  adminAuth: AdminAuth;
  /** TRUST_PROXY, for `req.ip`, `req.secure` and `res.locals.ip`. */
  trustProxy: Config['trustProxy'];
  /** Served at `/metrics` (and timing every request) when given. */
  metrics?: AppMetrics;
  /** METRICS_TOKEN: `/metrics` wants it as a bearer token when set. */
  metricsToken?: string;
}

/** Mounts everything on `app` (created first because the HTTP server needs it before Apollo starts). */
export function mountRoutes(app: Express, options: AppOptions): void {
  app.disable('x-powered-by');
  // Express would hash every response body for an ETag; GraphQL POSTs are never revalidated.
  app.set('etag', false);
  const trust = compileTrust(options.trustProxy);
  app.set('trust proxy', trust);
  if (options.metrics) app.use(httpMetrics(options.metrics));
  app.use(requestLogger(options.logger));
  // Routes on exact paths (not routers mounted at /, which every request would walk through).
  app.get('/healthz', healthCheck(options.readiness));
  if (options.metrics) app.get('/metrics', metricsEndpoint(options.metrics, { token: options.metricsToken, logger: options.logger }));
  app.get('/graphql', graphiqlPage());
  app.use(IDE_ASSETS, graphiqlAssets());
  app.use(adminAccess(options.adminAuth, trust));
  // After /healthz and /metrics, so that probes and scrapers get no cookie.
  app.use(clientIdCookie());
  app.use('/graphql', rejectBadClientId(), express.json({ limit: options.bodyLimit }), options.graphql);
  for (const route of options.routes ?? []) app.use(route);
  app.use(bodyErrorHandler(options.bodyLimit, options.logger));
  if (options.client) app.use(options.client);
}
