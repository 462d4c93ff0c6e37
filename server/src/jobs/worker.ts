/**
 * A training worker: a graphile-worker runner taking `train_model` jobs, plus
 * the sweeper that re-queues jobs of workers that died. Runs inside the API
 * process (`RUN_WORKER=true`, the default) or alone (`npm run worker`); any
 * number may run on one database — graphile-worker locks each job for one of
 * them, and the job row's guarded updates keep it that way.
 */
import { run, type Runner } from 'graphile-worker';
import type { DataSource } from 'typeorm';
import type { Config } from '../config.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { ModelRegistryService } from '../services/model-registry.service.js';
import type { ModelService } from '../services/model.service.js';
import type { TrainingEventsService } from '../services/training-events.service.js';
import { TrainingRunService } from '../services/training-runs.service.js';
import { createQueuePool, graphileLogger, migrateQueue, TRAIN_TASK } from './queue.js';
import { createTrainTask, type ActiveRuns, type TrainTaskSettings } from './train.task.js';

export interface TrainingWorkerOptions {
  connectionString: string;
  dataSource: DataSource;
  bus: EventBus;
  events: TrainingEventsService;
  models: ModelService;
  registry: ModelRegistryService;
  logger: Logger;
  /** Jobs run at once by this process. @default 1 */
  concurrency?: number;
  /** A job whose heartbeat is older is presumed lost, in ms. @default 15_000 */
  staleAfterMs?: number;
  /** How often the queue is polled for retries and unlocked jobs (new jobs arrive by NOTIFY), in ms. @default 1_000 */
  pollIntervalMs?: number;
  settings?: Partial<TrainTaskSettings>;
}

export interface TrainingWorker {
  /** Sweeps stale jobs now (tests; the worker also does it periodically). */
  sweep(): Promise<number>;
  /**
   * Stops taking jobs; a running job is stopped and re-queued for another
   * worker (its attempt is not counted). Idempotent.
   */
  stop(): Promise<void>;
}

export const DEFAULT_TRAIN_TASK_SETTINGS: TrainTaskSettings = {
  heartbeatMs: 2_000,
  progressIntervalMs: 250,
  evalTestLimit: 10_000,
  fallbackValidation: 1_000,
  threadNiceness: 10,
  trainThreads: 1,
};

/** The task settings the configuration chooses (the rest keep their defaults). */
export const trainTaskSettings = (config: Config): Partial<TrainTaskSettings> => ({
  heartbeatMs: config.trainingHeartbeatMs,
  progressIntervalMs: config.trainingProgressMs,
  evalTestLimit: config.evalTestLimit,
  trainThreads: config.trainThreads,
});

/** Starts a worker; resolves once it listens for jobs. */
export async function startTrainingWorker(options: TrainingWorkerOptions): Promise<TrainingWorker> {
  const logger = options.logger.child({ component: 'training-worker' });
  const settings = { ...DEFAULT_TRAIN_TASK_SETTINGS, ...options.settings };
  const staleAfterMs = options.staleAfterMs ?? 15_000;
  if (settings.heartbeatMs * 2 > staleAfterMs) {
    throw new Error(`the training heartbeat (${settings.heartbeatMs} ms) must be at most half the stale limit (${staleAfterMs} ms)`);
  }
  const runs = new TrainingRunService(options.dataSource, options.events, options.registry, { staleAfterMs });
  const active: ActiveRuns = new Map();
  const pool = createQueuePool(options.connectionString, Math.max(4, (options.concurrency ?? 1) + 2), logger);
  try {
    await migrateQueue(pool, logger);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const task = createTrainTask(
    { runs, events: options.events, models: options.models, bus: options.bus, logger, settings, db: options.dataSource },
    active,
  );
  const startRunner = (): Promise<Runner> =>
    run({
      pgPool: pool,
      concurrency: options.concurrency ?? 1,
      noHandleSignals: true,
      pollInterval: options.pollIntervalMs ?? 1_000,
      logger: graphileLogger(logger),
      // The pool serves job fetches and completions; training itself uses the app's data source.
      gracefulShutdownAbortTimeout: 1_000,
      // Batched (even with no delay), completions and failures are retried
      // with backoff through a database outage, and a final failure stops
      // the pool (restarted below). Unbatched, graphile-worker 0.17 leaves
      // their promise unawaited: an outage at that moment is an unhandled
      // rejection that kills the process.
      preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
      taskList: { [TRAIN_TASK]: task },
    });
  let runner: Runner | undefined = await startRunner();

  // graphile-worker shuts its pool down when it cannot record a job's outcome
  // (the database went away at that moment). Start a new one, with backoff,
  // rather than leave this process without a worker; the sweeper re-queues
  // the job whose outcome was lost.
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const supervised = (async () => {
    let delay = 1_000;
    while (!stopping) {
      try {
        if (!runner) runner = await startRunner();
        await runner.promise;
        if (stopping) return;
        logger.error('the job runner stopped by itself; starting a new one');
      } catch (error) {
        if (stopping) return;
        logger.error({ err: error, retryInMs: delay }, 'the job runner failed; starting a new one');
      }
      runner = undefined;
      await pause(delay);
      delay = Math.min(delay * 2, 30_000);
    }
  })();

  const sweep = async (): Promise<number> => {
    const handled = await runs.sweep();
    for (const job of handled) {
      logger.warn({ trainingJobId: job.id, silentWorkerId: job.workerId, attempts: job.attempts }, 'swept a training job whose worker went silent');
    }
    return handled.length;
  };
  let sweeping = false;
  const sweeper = setInterval(
    () => {
      if (sweeping) return;
      sweeping = true;
      sweep()
        .catch((error: unknown) => logger.warn({ err: error }, 'sweep failed'))
        .finally(() => (sweeping = false));
    },
    Math.max(250, Math.round(staleAfterMs / 3)),
  );
  sweeper.unref();
  logger.info({ concurrency: options.concurrency ?? 1, staleAfterMs }, 'training worker started');

  let stopped: Promise<void> | undefined;
  return {
    sweep,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        clearInterval(sweeper);
        wakeUp?.();
        // Let each run record its hand-back before the runner and the pools close.
        for (const run of active.values()) run.stop();
        await Promise.all([...active.values()].map((run) => run.ended));
        await runner?.stop().catch((error: unknown) => logger.warn({ err: error }, 'the job runner did not stop cleanly'));
        await supervised;
        await pool.end().catch((error: unknown) => logger.warn({ err: error }, 'the job-queue pool did not close cleanly'));
        logger.info('training worker stopped');
      })()),
  };
}
