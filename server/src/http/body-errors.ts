import type { ErrorRequestHandler } from 'express';
import { ErrorCode, httpErrorBody } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * Turns failures of the JSON body parser into GraphQL-shaped JSON errors
 * (`{ errors: [{ message, extensions: { code } }] }`) instead of express's
 * HTML page, so clients handle them like any other GraphQL error.
 */
export function bodyErrorHandler(limitBytes: number, logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.too.large') {
      res
        .status(413)
        .json(
          httpErrorBody(
            ErrorCode.PAYLOAD_TOO_LARGE,
            `The request body exceeds ${limitBytes} bytes (BODY_LIMIT). Send a smaller drawing: fewer stroke points or a smaller image.`,
          ),
        );
      return;
    }
    if (type === 'entity.parse.failed') {
      res.status(400).json(httpErrorBody('BAD_REQUEST', 'The request body is not valid JSON.'));
      return;
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json(httpErrorBody('BAD_REQUEST', (error as Error).message));
      return;
    }
    (res.locals.logger ?? logger).error({ err: error, url: req.originalUrl }, 'unhandled error in an HTTP handler');
    res.status(500).json(httpErrorBody(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error; it has been logged.'));
  };
}
