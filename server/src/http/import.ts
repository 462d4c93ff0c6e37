/**
 * `POST /import/user-dataset.csv`: labelled drawings in the export's CSV
 * layout, streamed into the user dataset in one transaction (see
 * `services/import.service.ts`). Admins only, like the exports. Answers
 * `{ imported }`, or a GraphQL-shaped error naming the bad line.
 */
import { Router } from 'express';
import { GraphQLError } from 'graphql';
import { requireAdmin } from '../auth/admin.http.js';
import { ErrorCode, coerceError, httpErrorBody, type ErrorCode as Code } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ImportService } from '../services/import.service.js';
import { rejectBadClientId } from './client-id.js';

export interface ImportRouterOptions {
  imports: ImportService;
  logger: Logger;
}

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.MODEL_NOT_READY]: 503,
};

export function importRouter({ imports, logger }: ImportRouterOptions): Router {
  const router = Router();
  router.use('/import', rejectBadClientId(), requireAdmin('Importing into the user dataset'));
  router.post('/import/user-dataset.csv', async (req, res) => {
    const log = (res.locals.logger as Logger | undefined) ?? logger;
    const type = req.headers['content-type'] ?? '';
    if (!/^text\/(csv|plain)\b/.test(type)) {
      res.status(415).json(httpErrorBody(ErrorCode.BAD_USER_INPUT, `Send the CSV as text/csv, got content-type ${JSON.stringify(type)}.`));
      return;
    }
    const started = performance.now();
    try {
      const imported = await imports.importCsv(req, (res.locals.clientId as string | null | undefined) ?? null);
      log.info({ imported, ms: Math.round(performance.now() - started) }, 'user dataset imported');
      res.json({ imported });
    } catch (thrown) {
      const error = coerceError(thrown);
      const code = error instanceof GraphQLError ? (error.extensions.code as Code | undefined) : undefined;
      const status = code && STATUS[code];
      if (code && status) {
        // Stop reading an upload we refused; the client gets the answer at once.
        res.set('connection', 'close').status(status).json(httpErrorBody(code, error.message));
        return;
      }
      log.error({ err: error }, 'import failed');
      res.status(500).json(httpErrorBody(ErrorCode.INTERNAL_SERVER_ERROR, 'The import failed and stored nothing; it has been logged.'));
    }
  });
  return router;
}
