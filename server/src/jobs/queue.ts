/**
 * The job queue: graphile-worker on the application's Postgres, in its own
 * `graphile_worker` schema, which graphile-worker creates and upgrades with
 * its own numbered migrations (run by `migrateQueue` at start-up, under its
 * advisory lock, so any number of processes may call it together).
 *
 * Jobs are added with SQL (`graphile_worker.add_job`) inside the transaction
 * that creates the `training_jobs` row, so a job is never queued without its
 * row nor the other way round.
 */
import { Logger as GraphileLogger, runMigrations, type LogFunctionFactory } from 'graphile-worker';
import pg from 'pg';
import type { Logger } from '../logger.js';

/** Task identifier of a training run; its payload is `{ jobId }`. */
export const TRAIN_TASK = 'train_model';

export interface TrainTaskPayload {
  /** Id of the `training_jobs` row. */
  jobId: string;
}

/**
 * Checks a queue payload (written by any version of any process).
 *
 * @throws Error naming what is wrong
 */
export function parseTrainTaskPayload(payload: unknown): TrainTaskPayload {
  const jobId = (payload as { jobId?: unknown } | null)?.jobId;
  if (typeof jobId !== 'string' || !/^[0-9a-f-]{36}$/i.test(jobId)) {
    throw new Error(`${TRAIN_TASK} expects a payload { jobId: <uuid> }, got ${JSON.stringify(payload)}`);
  }
  return { jobId };
}

const LEVELS = { error: 'error', warning: 'warn', info: 'debug', debug: 'trace' } as const;

/**
 * graphile-worker's logger writing through pino. Its chatty `info` lines
 * (worker started, job completed) go to debug; our own task logs what matters.
 */
export function graphileLogger(logger: Logger): GraphileLogger {
  const factory: LogFunctionFactory = (scope) => {
    const child = logger.child({ component: 'graphile-worker', ...(scope.workerId ? { workerId: scope.workerId } : {}) });
    return (level, message, meta) => {
      const method = LEVELS[level as keyof typeof LEVELS] ?? 'info';
      child[method]({ ...(meta ?? {}), jobId: scope.jobId }, message);
    };
  };
  return new GraphileLogger(factory);
}

/**
 * A pool for graphile-worker, ours rather than one it makes: it ends its own
 * pools without waiting and after removing their error listeners, so a
 * connection the database closed at that moment was an unhandled 'error'
 * that killed the process. Both listeners graphile-worker checks for are set
 * (the pool's, and each client's on 'connect'); without them it prints a
 * warning to the console, outside the JSON logs.
 */
export function createQueuePool(connectionString: string, max: number, logger: Logger): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  const warn = (error: Error) => logger.warn({ err: error }, 'a job-queue connection failed');
  pool.on('error', warn);
  pool.on('connect', (client) => client.on('error', warn));
  return pool;
}

/** Installs or upgrades the `graphile_worker` schema. */
export async function migrateQueue(database: string | pg.Pool, logger: Logger): Promise<void> {
  if (typeof database !== 'string') {
    await runMigrations({ pgPool: database, logger: graphileLogger(logger) });
    return;
  }
  const pool = createQueuePool(database, 2, logger);
  try {
    await runMigrations({ pgPool: pool, logger: graphileLogger(logger) });
  } finally {
    await pool.end();
  }
}
