/**
 * The express app: request ids and logs, `/healthz`, the GraphQL IDE,
 * GraphQL over HTTP at `/graphql`, then the SvelteKit client (when built).
 */
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { bodyErrorHandler } from './body-errors.js';
import { clientIdCookie, rejectBadClientId } from './client-id.js';
import { graphiqlRouter } from './graphiql.js';
import { healthRouter, type Readiness } from './health.js';
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
}

/** Mounts everything on `app` (created first because the HTTP server needs it before Apollo starts). */
export function mountRoutes(app: Express, options: AppOptions): void {
  app.disable('x-powered-by');
  app.use(requestLogger(options.logger));
  app.use(healthRouter(options.readiness));
  app.use(graphiqlRouter());
  // After /healthz, so that probes get no cookie.
  app.use(clientIdCookie());
  app.use('/graphql', rejectBadClientId(), express.json({ limit: options.bodyLimit }), options.graphql);
  for (const route of options.routes ?? []) app.use(route);
  app.use(bodyErrorHandler(options.bodyLimit, options.logger));
  if (options.client) app.use(options.client);
}
