/**
 * `GET /export/user-dataset.csv` and `GET /export/user-dataset.idx.zip`:
 * every labelled drawing, streamed (see `services/export.service.ts`). The
 * response carries `x-sample-count`; a failure after the first byte cuts the
 * connection, so a client never mistakes a truncated file for a whole one.
 */
import { Router, type Request, type Response } from 'express';
import { requireAdmin } from '../auth/admin.http.js';
import { ErrorCode, coerceError, httpErrorBody } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ExportService, OnCount } from '../services/export.service.js';
import { rejectBadClientId } from './client-id.js';

export interface ExportRouterOptions {
  exports: ExportService;
  logger: Logger;
}

export function exportRouter({ exports, logger }: ExportRouterOptions): Router {
  const router = Router();
  // Every client's drawings: admins only (the token, or loopback when no ADMIN_TOKEN is set).
  router.use('/export', rejectBadClientId(), requireAdmin('Exporting the user dataset'));

  const serve = (contentType: string, fileName: string, write: (res: Response, onCount: OnCount) => Promise<number>) =>
    async (_req: Request, res: Response) => {
      const log = (res.locals.logger as Logger | undefined) ?? logger;
      const started = performance.now();
      try {
        const count = await write(res, (n) => {
          res.status(200).set({
            'content-type': contentType,
            'content-disposition': `attachment; filename="${fileName}"`,
            'cache-control': 'no-store',
            'x-sample-count': String(n),
          });
        });
        log.info({ export: fileName, samples: count, ms: Math.round(performance.now() - started) }, 'user dataset exported');
      } catch (thrown) {
        const error = coerceError(thrown);
        if (res.headersSent || res.destroyed) {
          // Aborted downloads are routine; anything else is worth a look.
          if (error.name === 'AbortError' || (error as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE') {
            log.info({ export: fileName }, 'export download aborted by the client');
          } else {
            log.error({ err: error, export: fileName }, 'export failed mid-stream');
          }
          res.destroy();
          return;
        }
        log.error({ err: error, export: fileName }, 'export failed');
        res.status(500).json(httpErrorBody(ErrorCode.INTERNAL_SERVER_ERROR, 'The export failed; it has been logged. Retry later.'));
      }
    };

  router.get(
    '/export/user-dataset.csv',
    serve('text/csv; charset=utf-8', 'user-dataset.csv', (res, onCount) => exports.writeCsv(res, onCount)),
  );
  router.get(
    '/export/user-dataset.idx.zip',
    serve('application/zip', 'user-dataset.idx.zip', (res, onCount) => exports.writeIdxZip(res, onCount)),
  );
  return router;
}
