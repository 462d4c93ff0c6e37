/**
 * Training jobs as the API sees them: starting one (validated params, a
 * non-empty dataset, the job row and its queue entry in one transaction),
 * cancelling, reading, and following its progress.
 */
import type { DataSource } from 'typeorm';
import { apiError, ErrorCode } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { TrainingEventRecord } from '../events/topics.js';
import { TRAIN_TASK } from '../jobs/queue.js';
import { countUserSamples, USER_HOLDOUT_PERCENT, type DatasetLineage } from './training-dataset.js';
import type { TrainingEventsService } from './training-events.service.js';
import { resolveTrainingParams, TrainingParamError, type TrainingParams } from './training-params.js';
import { isUuid } from './model.service.js';

export const TRAINING_JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type TrainingJobStatus = (typeof TRAINING_JOB_STATUSES)[number];

/** One training job as stored. */
export interface TrainingJobRecord {
  id: string;
  status: TrainingJobStatus;
  params: TrainingParams;
  /** Null until a worker took the dataset snapshot. */
  lineage: DatasetLineage | null;
  /** Why it failed or was cancelled, or why an earlier attempt was lost. */
  error: string | null;
  attempts: number;
  maxAttempts: number;
  workerId: string | null;
  cancelRequested: boolean;
  modelVersionId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  heartbeatAt: Date | null;
}

export interface TrainingJobRow {
  id: string;
  status: TrainingJobStatus;
  params: TrainingParams;
  lineage: DatasetLineage | null;
  error: string | null;
  attempts: number;
  max_attempts: number;
  worker_id: string | null;
  cancel_requested: boolean;
  model_version_id: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  heartbeat_at: Date | null;
}

export function toTrainingJob(row: TrainingJobRow): TrainingJobRecord {
  return {
    id: row.id,
    status: row.status,
    // Rows queued before warm starts existed have no flag; they trained from scratch.
    params: { ...row.params, warmStart: row.params.warmStart === true },
    lineage: row.lineage,
    error: row.error,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    workerId: row.worker_id,
    cancelRequested: row.cancel_requested,
    modelVersionId: row.model_version_id,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    heartbeatAt: row.heartbeat_at,
  };
}

export const TRAINING_JOB_COLUMNS = `id, status, params, lineage, error, attempts, max_attempts, worker_id, cancel_requested,
  model_version_id, created_at, started_at, finished_at, heartbeat_at`;

export interface TrainingServiceOptions {
  /** Runs a job may take when workers die under it. @default 2 */
  maxAttempts?: number;
}

/** Largest page of `trainingJobs`. */
export const MAX_JOBS_PAGE = 100;

export class TrainingService {
  private readonly maxAttempts: number;

  constructor(
    private readonly db: DataSource,
    private readonly events: TrainingEventsService,
    private readonly bus: EventBus,
    options: TrainingServiceOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 2;
  }

  /**
   * Queues a training job: checks the params, refuses a job with nothing to
   * train on, then stores the job, its queue entry and its QUEUED event in one
   * transaction.
   *
   * @throws GraphQLError BAD_USER_INPUT naming the field out of range (or a warm start with no version active), EMPTY_DATASET
   */
  async start(input: unknown): Promise<TrainingJobRecord> {
    let params: TrainingParams;
    const [{ active }] = (await this.db.query(`SELECT exists(SELECT 1 FROM model_versions WHERE status = 'active') AS active`)) as [
      { active: boolean },
    ];
    try {
      params = resolveTrainingParams(input, undefined, active);
    } catch (error) {
      if (error instanceof TrainingParamError) {
        throw apiError(ErrorCode.BAD_USER_INPUT, error.message, { field: `input.${error.field}` });
      }
      throw error;
    }
    await this.refuseEmptyDataset(params);
    return this.db.transaction(async (tx) => {
      const [row] = (await tx.query(
        `INSERT INTO training_jobs (params, max_attempts) VALUES ($1::jsonb, $2) RETURNING ${TRAINING_JOB_COLUMNS}`,
        [JSON.stringify(params), this.maxAttempts],
      )) as TrainingJobRow[];
      // The queue entry's key is the job id; attempts are governed by training_jobs,
      // so the queue may retry freely (a retry of a finished job is a no-op).
      await tx.query(`SELECT graphile_worker.add_job($1, json_build_object('jobId', $2::text), job_key := $2::text, max_attempts := 25)`, [
        TRAIN_TASK,
        row.id,
      ]);
      await this.events.append(row.id, { type: 'QUEUED' }, tx);
      return toTrainingJob(row);
    });
  }

  private async refuseEmptyDataset(params: TrainingParams): Promise<void> {
    if (params.mnistLimit > 0) return;
    const usesUserData = params.includeUserData && params.userSampleWeight > 0;
    if (!usesUserData) {
      throw apiError(
        ErrorCode.EMPTY_DATASET,
        'The training set would be empty: mnistLimit is 0 and user data is off (includeUserData false or userSampleWeight 0). Raise mnistLimit or include user data.',
        { field: 'input.mnistLimit' },
      );
    }
    const users = await countUserSamples(this.db);
    if (users.train === 0) {
      throw apiError(
        ErrorCode.EMPTY_DATASET,
        users.total === 0
          ? 'The training set would be empty: mnistLimit is 0 and no drawing is labelled yet. Label some drawings or raise mnistLimit.'
          : `The training set would be empty: mnistLimit is 0 and all ${users.total} labelled drawings fall in the ${USER_HOLDOUT_PERCENT}% validation holdout. Label more drawings or raise mnistLimit.`,
        { field: 'input.mnistLimit' },
      );
    }
  }

  /** The job `id`, or null (also for an id that is not a UUID). */
  async find(id: string): Promise<TrainingJobRecord | null> {
    if (!isUuid(id)) return null;
    const rows = (await this.db.query(`SELECT ${TRAINING_JOB_COLUMNS} FROM training_jobs WHERE id = $1`, [id])) as TrainingJobRow[];
    return rows[0] ? toTrainingJob(rows[0]) : null;
  }

  /** @throws GraphQLError NOT_FOUND */
  async get(id: string): Promise<TrainingJobRecord> {
    const job = await this.find(id);
    if (!job) {
      throw apiError(ErrorCode.NOT_FOUND, `No training job has id ${JSON.stringify(id)}; list them with the \`trainingJobs\` query.`, {
        field: 'id',
      });
    }
    return job;
  }

  /** The newest `first` jobs, newest first. */
  async list(first: number): Promise<TrainingJobRecord[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_JOBS_PAGE) {
      throw apiError(ErrorCode.BAD_USER_INPUT, `first must be an integer from 1 to ${MAX_JOBS_PAGE}, got ${first}`, { field: 'first' });
    }
    const rows = (await this.db.query(
      `SELECT ${TRAINING_JOB_COLUMNS} FROM training_jobs ORDER BY created_at DESC, id DESC LIMIT $1`,
      [first],
    )) as TrainingJobRow[];
    return rows.map(toTrainingJob);
  }

  /** The job producing version `modelVersionId`, if a job did. */
  async findByModelVersion(modelVersionId: string): Promise<TrainingJobRecord | null> {
    const rows = (await this.db.query(`SELECT ${TRAINING_JOB_COLUMNS} FROM training_jobs WHERE model_version_id = $1`, [
      modelVersionId,
    ])) as TrainingJobRow[];
    return rows[0] ? toTrainingJob(rows[0]) : null;
  }

  /**
   * Cancels job `id`. A queued job is cancelled at once; a running one is
   * flagged and its worker told (it stops within one batch and records
   * CANCELLED), so the job returned may still be RUNNING with
   * `cancelRequested`.
   *
   * @throws GraphQLError NOT_FOUND, CONFLICT for a job that already finished
   */
  async cancel(id: string): Promise<TrainingJobRecord> {
    await this.get(id);
    return this.db.transaction(async (tx) => {
      const queued = (await tx.query(
        `UPDATE training_jobs SET status = 'cancelled', cancel_requested = true, finished_at = now(), error = 'cancelled before it started'
         WHERE id = $1 AND status = 'queued' RETURNING ${TRAINING_JOB_COLUMNS}`,
        [id],
      )) as [TrainingJobRow[], number] | TrainingJobRow[];
      const queuedRow = firstRow(queued);
      if (queuedRow) {
        // Drop the queue entry too (a worker holding it already sees the status and skips it).
        await tx.query(`SELECT graphile_worker.remove_job($1)`, [id]);
        await this.events.append(id, { type: 'CANCELLED', error: 'cancelled before it started' }, tx);
        return toTrainingJob(queuedRow);
      }
      const running = (await tx.query(
        `UPDATE training_jobs SET cancel_requested = true WHERE id = $1 AND status = 'running' RETURNING ${TRAINING_JOB_COLUMNS}`,
        [id],
      )) as [TrainingJobRow[], number] | TrainingJobRow[];
      const runningRow = firstRow(running);
      if (runningRow) {
        await this.bus.publish(tx, 'trainingCancel', { jobId: id });
        return toTrainingJob(runningRow);
      }
      const now = await this.get(id);
      throw apiError(
        ErrorCode.CONFLICT,
        `Training job ${id} already ${now.status === 'completed' ? 'completed' : now.status === 'failed' ? 'failed' : 'was cancelled'}; only QUEUED or RUNNING jobs can be cancelled.`,
        { field: 'id', status: now.status.toUpperCase() },
      );
    });
  }

  /**
   * Follows job `id`'s events: its history, then live ones until it ends.
   *
   * @throws GraphQLError NOT_FOUND
   */
  async follow(id: string): Promise<AsyncIterableIterator<TrainingEventRecord>> {
    await this.get(id);
    return this.events.follow(id);
  }
}

/**
 * TypeORM's `query` answers an UPDATE ... RETURNING with `[rows, count]` on
 * Postgres; a SELECT with just the rows. This takes the first row of either.
 */
export function firstRow<T>(result: [T[], number] | T[]): T | undefined {
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return (result[0] as T[])[0];
  return (result as T[])[0];
}
