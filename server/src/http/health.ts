import type { RequestHandler } from 'express';

export interface Readiness {
  /** The version answering `classify`, when one is loaded. */
  modelVersion(): number | undefined;
  /** Resolves when the database answers; rejects otherwise. */
  pingDatabase(): Promise<void>;
}

/**
 * `GET /healthz`: 200 `{ status: 'ok', model: <version> }` once the server
 * can classify (a model is loaded and the database answers), else 503 with
 * the reason. Load balancers and the Docker HEALTHCHECK poll it.
 */
export function healthCheck(readiness: Readiness): RequestHandler {
  return async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    const model = readiness.modelVersion();
    if (model === undefined) {
      res.status(503).json({ status: 'unavailable', reason: 'MODEL_NOT_READY', message: 'no model is loaded yet' });
      return;
    }
    try {
      await readiness.pingDatabase();
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'DATABASE_UNAVAILABLE', message: 'the database does not answer', model });
      return;
    }
    res.json({ status: 'ok', model });
  };
}
