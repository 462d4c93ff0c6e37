/**
 * Training jobs as a worker drives them: claim, heartbeat, record the
 * snapshot, and finish — each step a guarded update on the job row, so a
 * worker that lost its job (presumed dead by the sweeper, or cancelled) can
 * neither finish it nor create a model version. The version is created only
 * at the end, in the transaction that completes the job.
 *
 * The sweeper finds runs whose worker stopped sending heartbeats (killed,
 * cut off from the database) and re-queues them while attempts remain, else
 * fails them; graphile-worker's own lock on a dead worker's job (4 hours)
 * is released at the same time.
 */
import type { DataSource, EntityManager } from 'typeorm';
import type { ModelVersionEntity } from '../db/entities/model-version.entity.js';
import type { ModelArtifacts } from '../ml/artifacts.js';
import { decidePromotion, type ModelRegistryService, type PromotionDecision, type PromotionFigures } from './model-registry.service.js';
import type { DatasetLineage } from './training-dataset.js';
import type { TrainingEventsService } from './training-events.service.js';
import { firstRow, toTrainingJob, TRAINING_JOB_COLUMNS, type TrainingJobRecord, type TrainingJobRow } from './training.service.js';

export type ClaimResult =
  | { kind: 'claimed'; job: TrainingJobRecord }
  /** Nothing to run: the job finished, was cancelled or failed for good (the queue entry can go). */
  | { kind: 'done'; reason: string }
  /** Another live worker runs it; try again later. */
  | { kind: 'busy'; reason: string };

export interface CompletedRun {
  name: string;
  artifacts: ModelArtifacts;
  /** Everything the model page shows; stored as the version's `metrics`. */
  metrics: Record<string, unknown>;
  /** The new version's figures. */
  figures: PromotionFigures;
  /** The base version's figures on the same test set and holdout (null without a base). */
  baseFigures: PromotionFigures | null;
  recipe: Record<string, unknown>;
  lineage: DatasetLineage;
  backend: string | null;
  durationMs: number;
}

export interface CompletionResult {
  /** False when the job was no longer this worker's: nothing was written. */
  owned: boolean;
  cancelled: boolean;
  modelVersion?: ModelVersionEntity;
  promotion?: PromotionDecision;
}

export interface TrainingRunServiceOptions {
  /** A running job whose heartbeat is older than this is presumed lost, in ms. @default 15_000 */
  staleAfterMs?: number;
}

const ms = (n: number): string => `${Math.round(n / 100) / 10}s`;

export class TrainingRunService {
  readonly staleAfterMs: number;

  constructor(
    private readonly db: DataSource,
    private readonly events: TrainingEventsService,
    private readonly registry: ModelRegistryService,
    options: TrainingRunServiceOptions = {},
  ) {
    this.staleAfterMs = options.staleAfterMs ?? 15_000;
  }

  /**
   * Takes job `jobId` for `workerId`: a queued job (or a running one whose
   * worker went silent) becomes running, one attempt more. Emits STARTED.
   */
  async claim(jobId: string, workerId: string): Promise<ClaimResult> {
    return this.db.transaction(async (tx) => {
      const rows = (await tx.query(
        `SELECT ${TRAINING_JOB_COLUMNS}, heartbeat_at < now() - $2 * interval '1 millisecond' AS stale
         FROM training_jobs WHERE id = $1 FOR UPDATE`,
        [jobId, this.staleAfterMs],
      )) as Array<TrainingJobRow & { stale: boolean | null }>;
      const row = rows[0];
      if (!row) return { kind: 'done', reason: `training job ${jobId} does not exist` } as const;
      if (row.status === 'completed' || row.status === 'failed' || row.status === 'cancelled') {
        return { kind: 'done', reason: `training job is already ${row.status}` } as const;
      }
      if (row.status === 'running') {
        if (row.worker_id === workerId) return { kind: 'busy', reason: 'this worker already runs it' } as const;
        if (!row.stale) return { kind: 'busy', reason: `worker ${row.worker_id} is running it` } as const;
        // Its worker went silent and the sweeper has not got to it yet: same as a lost attempt.
        row.error = lostReason(row, this.staleAfterMs);
      }
      if (row.cancel_requested) {
        await this.finishIn(tx, jobId, 'cancelled', 'cancelled before it started');
        return { kind: 'done', reason: 'cancel requested' } as const;
      }
      if (row.attempts >= row.max_attempts) {
        const error = `${row.error ?? 'earlier attempts were lost'}; no attempts left (${row.attempts} of ${row.max_attempts}), no model version was created`;
        await this.finishIn(tx, jobId, 'failed', error);
        return { kind: 'done', reason: error } as const;
      }
      const updated = firstRow(
        (await tx.query(
          `UPDATE training_jobs
           SET status = 'running', worker_id = $2, attempts = attempts + 1, started_at = now(), heartbeat_at = now(), error = $3
           WHERE id = $1 RETURNING ${TRAINING_JOB_COLUMNS}`,
          [jobId, workerId, row.error],
        )) as TrainingJobRow[],
      ) as TrainingJobRow;
      return { kind: 'claimed', job: toTrainingJob(updated) } as const;
    });
  }

  /**
   * Records the dataset snapshot on the job and emits STARTED.
   *
   * @returns false when the job is no longer this worker's
   */
  async recordStart(jobId: string, workerId: string, lineage: DatasetLineage, data: { epochs: number }): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = firstRow(
        (await tx.query(
          `UPDATE training_jobs SET lineage = $3::jsonb, heartbeat_at = now()
           WHERE id = $1 AND status = 'running' AND worker_id = $2 RETURNING id`,
          [jobId, workerId, JSON.stringify(lineage)],
        )) as Array<{ id: string }>,
      );
      if (!rows) return false;
      await this.events.append(jobId, { type: 'STARTED', epoch: 0, epochs: data.epochs, progress: 0 }, tx);
      return true;
    });
  }

  /**
   * Proves this worker is alive and learns whether a cancel was requested.
   *
   * @returns `owned: false` when the job was taken away (swept, finished elsewhere)
   */
  async heartbeat(jobId: string, workerId: string): Promise<{ owned: boolean; cancelRequested: boolean }> {
    const row = firstRow(
      (await this.db.query(
        `UPDATE training_jobs SET heartbeat_at = now()
         WHERE id = $1 AND status = 'running' AND worker_id = $2 RETURNING cancel_requested`,
        [jobId, workerId],
      )) as Array<{ cancel_requested: boolean }>,
    );
    return { owned: row !== undefined, cancelRequested: row?.cancel_requested ?? false };
  }

  /**
   * Completes the job with its new model version, in one transaction: the
   * version row, the promotion decision (activating it when it does not
   * regress against the version active when the job started), the job's
   * final status and its COMPLETED event. A cancel that arrived meanwhile
   * wins: the job ends CANCELLED and no version is stored.
   */
  async complete(jobId: string, workerId: string, run: CompletedRun): Promise<CompletionResult> {
    return this.db.transaction(async (tx) => {
      const rows = (await tx.query(
        `SELECT cancel_requested FROM training_jobs WHERE id = $1 AND status = 'running' AND worker_id = $2 FOR UPDATE`,
        [jobId, workerId],
      )) as Array<{ cancel_requested: boolean }>;
      if (!rows[0]) return { owned: false, cancelled: false };
      if (rows[0].cancel_requested) {
        await this.finishIn(tx, jobId, 'cancelled', 'cancelled while evaluating; no model version was stored');
        return { owned: true, cancelled: true };
      }
      await this.registry.lockVersions(tx);
      const active = await this.registry.activeIn(tx);
      const baseId = run.lineage.baseModelVersionId;
      const promotion: PromotionDecision =
        active && active.id !== baseId
          ? { promote: false, reason: 'Another version was activated while this job ran; compare them and activate one by hand.' }
          : decidePromotion(run.figures, active ? run.baseFigures : null);
      const version = await this.registry.insertCandidate(tx, {
        name: run.name,
        artifacts: run.artifacts,
        metrics: { ...run.metrics, promotion: { ...promotion, comparedWith: active?.id ?? null, base: run.baseFigures } },
        recipe: run.recipe,
        lineage: { ...run.lineage, trainingJobId: jobId },
        backend: run.backend,
        durationMs: Math.round(run.durationMs),
      });
      if (promotion.promote) await this.registry.activateWithin(tx, version.id);
      await tx.query(
        `UPDATE training_jobs SET status = 'completed', model_version_id = $2, finished_at = now(), heartbeat_at = now(), error = NULL
         WHERE id = $1`,
        [jobId, version.id],
      );
      await this.events.pruneTicks(jobId, tx);
      await this.events.append(
        jobId,
        {
          type: 'COMPLETED',
          progress: 1,
          modelVersionId: version.id,
          activated: promotion.promote,
          valAccuracy: run.figures.userHoldoutAccuracy ?? undefined,
          accuracy: run.figures.testAccuracy,
        },
        tx,
      );
      const stored = await this.registry.findIn(tx, version.id);
      return { owned: true, cancelled: false, modelVersion: stored ?? version, promotion };
    });
  }

  /**
   * Ends the job without a model (FAILED or CANCELLED) if it is still this worker's.
   *
   * @returns false when it was not (someone else already ended or took it)
   */
  async finish(jobId: string, workerId: string, status: 'failed' | 'cancelled', error: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = (await tx.query(
        `SELECT id FROM training_jobs WHERE id = $1 AND status = 'running' AND worker_id = $2 FOR UPDATE`,
        [jobId, workerId],
      )) as Array<{ id: string }>;
      if (!rows[0]) return false;
      await this.finishIn(tx, jobId, status, error);
      return true;
    });
  }

  /**
   * Puts a job this worker gives up (shutting down) back in the queue
   * without counting the attempt, so another worker starts it afresh.
   */
  async release(jobId: string, workerId: string, reason: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const row = firstRow(
        (await tx.query(
          `UPDATE training_jobs SET status = 'queued', worker_id = NULL, heartbeat_at = NULL, attempts = greatest(attempts - 1, 0), error = $3
           WHERE id = $1 AND status = 'running' AND worker_id = $2 RETURNING id`,
          [jobId, workerId, reason],
        )) as Array<{ id: string }>,
      );
      if (!row) return false;
      await this.events.append(jobId, { type: 'QUEUED', error: reason }, tx);
      return true;
    });
  }

  /**
   * Deals with running jobs whose worker went silent: re-queued while
   * attempts remain, else failed (cancelled if a cancel was pending), and
   * graphile-worker's lock on them released. Safe to run from many
   * processes at once (rows are taken with SKIP LOCKED).
   *
   * @returns the jobs handled
   */
  async sweep(): Promise<TrainingJobRecord[]> {
    return this.db.transaction(async (tx) => {
      const stale = (await tx.query(
        `SELECT ${TRAINING_JOB_COLUMNS} FROM training_jobs
         WHERE status = 'running' AND heartbeat_at < now() - $1 * interval '1 millisecond'
         ORDER BY heartbeat_at LIMIT 20 FOR UPDATE SKIP LOCKED`,
        [this.staleAfterMs],
      )) as TrainingJobRow[];
      const handled: TrainingJobRecord[] = [];
      for (const row of stale) {
        const reason = lostReason(row, this.staleAfterMs);
        if (row.cancel_requested) {
          await this.finishIn(tx, row.id, 'cancelled', `${reason}; cancelled as requested`);
        } else if (row.attempts < row.max_attempts) {
          await tx.query(`UPDATE training_jobs SET status = 'queued', worker_id = NULL, heartbeat_at = NULL, error = $2 WHERE id = $1`, [
            row.id,
            `${reason}; re-queued`,
          ]);
          await this.events.append(row.id, { type: 'QUEUED', error: `${reason}; re-queued` }, tx);
        } else {
          await this.finishIn(tx, row.id, 'failed', `${reason}; no attempts left, no model version was created`);
        }
        if (row.worker_id) await tx.query(`SELECT graphile_worker.force_unlock_workers(ARRAY[$1::text])`, [row.worker_id]);
        handled.push(toTrainingJob(row));
      }
      return handled;
    });
  }

  private async finishIn(tx: EntityManager, jobId: string, status: 'failed' | 'cancelled', error: string): Promise<void> {
    await tx.query(
      `UPDATE training_jobs SET status = $2, error = $3, finished_at = now() WHERE id = $1`,
      [jobId, status, error],
    );
    await this.events.pruneTicks(jobId, tx);
    await this.events.append(jobId, { type: status === 'failed' ? 'FAILED' : 'CANCELLED', error }, tx);
  }
}

function lostReason(row: TrainingJobRow, staleAfterMs: number): string {
  const silentFor = row.heartbeat_at ? Date.now() - row.heartbeat_at.getTime() : staleAfterMs;
  return `attempt ${row.attempts} lost: worker ${row.worker_id ?? '?'} sent no heartbeat for ${ms(Math.max(silentFor, staleAfterMs))} (killed, crashed or cut off from the database)`;
}
