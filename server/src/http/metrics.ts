/**
 * `GET /metrics` (Prometheus text format) and the middleware timing every
 * HTTP request. When METRICS_TOKEN is set the endpoint wants
 * `Authorization: Bearer <METRICS_TOKEN>` (Prometheus: `authorization:
 * { credentials: ... }` in the scrape config); otherwise it is open, so keep
 * the port private.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { bearerToken } from '../auth/admin.js';
import { ErrorCode, httpErrorBody } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AppMetrics } from '../observability/metrics.js';

/** A fixed route name for a path, so that raw URLs (ids, pages) never become label values. */
export function routeOf(path: string): string {
  if (path === '/graphql' || path === '/healthz' || path === '/metrics') return path;
  if (path.startsWith('/export/')) return '/export';
  if (path.startsWith('/graphiql/')) return '/graphiql';
  return 'other';
}

/** Observes each request's duration once its response is finished (or the connection closed). */
export function httpMetrics(metrics: AppMetrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    // Now: mounted routers rewrite req.url while they run, so it is not the same once the response ends.
    const route = routeOf(req.path);
    let done = false;
    const record = () => {
      if (done) return;
      done = true;
      // An aborted request has no meaningful status; 499 is nginx's "client closed request".
      const status = res.writableFinished ? String(res.statusCode) : '499';
      end({ method: req.method, route, status });
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** `GET /metrics`. */
export function metricsEndpoint(metrics: AppMetrics, options: { token: string | undefined; logger: Logger }): RequestHandler {
  const expected = options.token === undefined ? undefined : digest(options.token);
  return async (req, res) => {
    res.set('Cache-Control', 'no-store');
    if (expected) {
      const sent = bearerToken(req.headers.authorization);
      if (sent === undefined || !timingSafeEqual(digest(sent), expected)) {
        res
          .status(401)
          .set('WWW-Authenticate', 'Bearer realm="metrics"')
          .json(httpErrorBody(ErrorCode.UNAUTHENTICATED, '/metrics needs `Authorization: Bearer <METRICS_TOKEN>` with the server\'s METRICS_TOKEN.'));
        return;
      }
    }
    try {
      const { contentType, body } = await metrics.render();
      res.type(contentType).send(body);
    } catch (error) {
      ((res.locals.logger as Logger | undefined) ?? options.logger).error({ err: error }, 'cannot render metrics');
      res.status(500).json(httpErrorBody(ErrorCode.INTERNAL_SERVER_ERROR, 'Cannot render the metrics; it has been logged.'));
    }
  };
}
