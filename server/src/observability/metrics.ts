/**
 * Prometheus metrics of one API process (`GET /metrics`): HTTP and
 * classify latency, predictions and labels, rate-limit refusals, WebSocket
 * connections, TensorFlow.js memory, the process's own figures (CPU, memory,
 * event-loop lag, GC) and, read from Postgres at scrape time, training jobs
 * and the job queue.
 *
 * Each server has its own registry (tests run several in one process). The
 * database-derived series describe the whole deployment, so every instance
 * reports the same values: aggregate them with `max`, not `sum`.
 */
import * as tf from '@tensorflow/tfjs';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Queryable } from '../events/pg-notify.js';

/** Seconds; classify takes ~1-20 ms on a quiet machine, seconds under overload. */
const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Points of a stroke drawing: a simplified digit has tens, raw pointer samples hundreds. */
const POINT_BUCKETS = [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
/** Seconds; a training job takes from tens of seconds to hours. */
const TRAINING_BUCKETS = [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];
/** Most finished jobs whose durations are read per scrape. */
const TRAINING_ROWS = 10_000;

export type ClassifyOutcome = 'ok' | 'rejected' | 'error';
/** The operations that run the model on a drawing: `classify` stores its answer, `preview` does not. */
export type ClassifyOperation = 'classify' | 'preview';

export interface MetricsOptions {
  /** Runs the scrape-time queries; without one, the database series are absent. */
  db?: Queryable;
  /** The version number of the model answering `classify`, if any. */
  activeModelVersion?: () => number | undefined;
  /** Live tensors and bytes in other threads of this process (inference), added to `mnist_tfjs_*`. */
  threadMemory?: () => { numTensors: number; numBytes: number };
  /** Extra labels on every series (e.g. `{ instance: 'api-1' }`); Prometheus usually adds its own. */
  defaultLabels?: Record<string, string>;
}

const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];

export class AppMetrics {
  readonly registry = new Registry();

  /** `route` is a fixed name (`/graphql`, `/healthz` ...), never the raw URL, so the series stay few. */
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route and status code, from arrival to the last byte sent.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly classifyDuration = new Histogram({
    name: 'mnist_classify_duration_seconds',
    help:
      'classify and preview calls (HTTP and WebSocket): preprocessing, inference and (classify only) storage. ' +
      'operation: classify or preview; outcome: ok, rejected (a client error code), error.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly drawingPoints = new Histogram({
    name: 'mnist_drawing_points',
    help:
      'Points of the strokes sent to classify and preview, by operation. Each costs the server time before any ' +
      'preprocessing; counts in the hundreds mean a client sends raw pointer samples instead of simplified strokes.',
    labelNames: ['operation'] as const,
    buckets: POINT_BUCKETS,
    registers: [this.registry],
  });

  readonly predictions = new Counter({
    name: 'mnist_predictions_total',
    help: 'Predictions stored, by predicted digit and model version number.',
    labelNames: ['digit', 'model_version'] as const,
    registers: [this.registry],
  });

  readonly labels = new Counter({
    name: 'mnist_labels_total',
    help: 'Labels received: set (a digit given or changed, by label) or cleared.',
    labelNames: ['action', 'label'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'mnist_rate_limited_total',
    help: 'Operations refused with RATE_LIMITED, by limit.',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly graphqlErrors = new Counter({
    name: 'mnist_graphql_errors_total',
    help: 'Errors sent to GraphQL clients, by extensions.code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly wsConnections = new Gauge({
    name: 'mnist_ws_connections',
    help: 'Open graphql-ws connections.',
    registers: [this.registry],
  });

  constructor(options: MetricsOptions = {}) {
    if (options.defaultLabels) this.registry.setDefaultLabels(options.defaultLabels);
    // process_* and nodejs_* (CPU, RSS, heap, handles, GC, event-loop lag) under their usual names.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });

    new Gauge({
      name: 'mnist_tfjs_tensors',
      help: 'Live TensorFlow.js tensors in this process (its inference thread included); a steady rise means a leak.',
      registers: [this.registry],
      collect() {
        this.set(tf.memory().numTensors + (options.threadMemory?.().numTensors ?? 0));
      },
    });
    new Gauge({
      name: 'mnist_tfjs_bytes',
      help: 'Bytes held by live TensorFlow.js tensors (its inference thread included).',
      registers: [this.registry],
      collect() {
        this.set(tf.memory().numBytes + (options.threadMemory?.().numBytes ?? 0));
      },
    });
    const activeVersion = options.activeModelVersion;
    if (activeVersion) {
      new Gauge({
        name: 'mnist_model_active_version',
        help: 'Version number of the model answering classify on this instance (0: none loaded).',
        registers: [this.registry],
        collect() {
          this.set(activeVersion() ?? 0);
        },
      });
    }
    if (options.db) this.#databaseSeries(options.db);
  }

  /** Counts a classify or preview call that took `seconds`; `digit`/`modelVersion` for a stored prediction. */
  observeClassify(
    operation: ClassifyOperation,
    outcome: ClassifyOutcome,
    seconds: number,
    stored?: { digit: number; modelVersion: number | undefined },
  ): void {
    this.classifyDuration.observe({ operation, outcome }, seconds);
    if (stored) this.predictions.inc({ digit: String(stored.digit), model_version: String(stored.modelVersion ?? 'unknown') });
  }

  /** Counts a label set to `label` (0-9), or cleared when null. */
  observeLabel(label: number | null): void {
    if (label === null) this.labels.inc({ action: 'cleared', label: '' });
    else this.labels.inc({ action: 'set', label: String(label) });
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * Series read from Postgres when scraped. One scrape runs one query for
   * each; a failing database sets `mnist_database_up` to 0 and leaves the
   * others at their last values rather than failing the whole scrape.
   */
  #databaseSeries(db: Queryable): void {
    const up = new Gauge({
      name: 'mnist_database_up',
      help: '1 when the last scrape could query Postgres, else 0.',
      registers: [this.registry],
    });
    const guard = async (run: () => Promise<void>) => {
      try {
        await run();
        up.set(1);
      } catch {
        up.set(0);
      }
    };
    new Gauge({
      name: 'mnist_training_jobs',
      help: 'Training jobs in the database by status (the same on every instance).',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        await guard(async () => {
          const rows = rowsOf<{ status: string; n: number }>(
            await db.query(`SELECT s.status, count(j.id)::int AS n
                            FROM unnest(ARRAY['queued','running','completed','failed','cancelled']) AS s(status)
                            LEFT JOIN training_jobs j ON j.status = s.status GROUP BY s.status`),
          );
          for (const row of rows) this.set({ status: row.status }, row.n);
        });
      },
    });
    const durations = new Histogram({
      name: 'mnist_training_job_duration_seconds',
      help: `Run time of finished training jobs (the newest ${TRAINING_ROWS}) by final status, from the database.`,
      labelNames: ['status'] as const,
      buckets: TRAINING_BUCKETS,
      registers: [this.registry],
      async collect() {
        await guard(async () => {
          const rows = rowsOf<{ status: string; seconds: number }>(
            await db.query(
              `SELECT status, extract(epoch FROM finished_at - started_at)::float8 AS seconds
               FROM training_jobs WHERE finished_at IS NOT NULL AND started_at IS NOT NULL
               ORDER BY finished_at DESC LIMIT ${TRAINING_ROWS}`,
            ),
          );
          // Rebuilt from the rows each time: every instance reports the same, and nothing is lost on restart.
          durations.reset();
          for (const row of rows) durations.observe({ status: row.status }, Math.max(0, row.seconds));
        });
      },
    });
    new Gauge({
      name: 'mnist_queue_jobs',
      help: 'graphile-worker jobs by state: waiting (due, not taken), scheduled (due later, e.g. a retry), running (locked by a worker), failed (out of attempts).',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        await guard(async () => {
          const [row] = rowsOf<Record<'waiting' | 'scheduled' | 'running' | 'failed', number>>(
            await db.query(`SELECT
                count(*) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts AND run_at <= now())::int AS waiting,
                count(*) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts AND run_at > now())::int AS scheduled,
                count(*) FILTER (WHERE locked_at IS NOT NULL)::int AS running,
                count(*) FILTER (WHERE locked_at IS NULL AND attempts >= max_attempts)::int AS failed
              FROM graphile_worker.jobs`),
          );
          for (const [state, n] of Object.entries(row ?? {})) this.set({ state }, n);
        });
      },
    });
  }
}
