import type { RequestHandler } from 'express';
import { requestId, type Logger } from '../logger.js';

/**
 * Gives each request an id (echoed in `x-request-id`) and a child logger in
 * `res.locals.logger`, and logs one line when the response is finished.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const id = requestId(req.headers['x-request-id']);
    const log = logger.child({ reqId: id });
    res.locals.requestId = id;
    res.locals.logger = log;
    res.setHeader('x-request-id', id);
    const started = performance.now();
    res.on('finish', () => {
      log.info(
        { method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(performance.now() - started) },
        'request',
      );
    });
    next();
  };
}
