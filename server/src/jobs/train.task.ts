/**
 * The `train_model` task: one attempt at a training job, from claim to
 * stored (and maybe activated) model version.
 *
 * Training and evaluation run in worker threads; this thread only moves
 * data, writes progress and keeps the job's heartbeat, so an API process
 * running the task keeps answering `classify` promptly.
 */
import type { JobHelpers, Task } from 'graphile-worker';
import type { EventBus } from '../events/bus.js';
import type { PerClassProgress, TrainingEventData } from '../events/topics.js';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { NUM_CLASSES, PIXELS, loadMnist } from '../ml/mnist.js';
import { TrainingCancelledError, type BatchProgress, type EpochResult, type TrainOptions } from '../ml/train.js';
import { trainInWorker } from '../ml/train.runner.js';
import type { ModelService } from '../services/model.service.js';
import type { TrainingEventsService } from '../services/training-events.service.js';
import { takeSnapshot, type DatasetSnapshot, type UserSamples } from '../services/training-dataset.js';
import { buildMetrics, readEvaluation, type EpochMetrics } from '../services/training-metrics.js';
import type { TrainingRunService } from '../services/training-runs.service.js';
import type { TrainingJobRecord } from '../services/training.service.js';
import { evaluateInWorker } from './evaluate.runner.js';
import { parseTrainTaskPayload } from './queue.js';

export interface TrainTaskSettings {
  /** How often a running job proves its worker alive, in ms. */
  heartbeatMs: number;
  /** Least ms between two BATCH events. */
  progressIntervalMs: number;
  /** MNIST test digits scored per new version (10,000 for the real figure; tests use fewer). */
  evalTestLimit: number;
  /** When the holdout is empty, validate each epoch on this many MNIST test digits. */
  fallbackValidation: number;
  /** Nice value of the training and evaluation threads (Linux): requests on this process's main thread go first. */
  threadNiceness: number;
  /** Threads each job's batches are computed on (data parallel). */
  trainThreads: number;
}

export interface TrainTaskDeps {
  runs: TrainingRunService;
  events: TrainingEventsService;
  models: ModelService;
  bus: EventBus;
  logger: Logger;
  settings: TrainTaskSettings;
  /** Query runner for the snapshot (the app's data source). */
  db: { query(text: string, values?: unknown[]): Promise<unknown> };
}

/** Why a run was stopped from outside the training loop. */
type StopReason = 'cancel' | 'shutdown' | 'lost' | 'database';

/** Thrown to make graphile-worker keep the queue entry and retry it later. */
class RetryLaterError extends Error {
  override name = 'RetryLaterError';
}

const toFloat = (pixels: Uint8Array): Float32Array => {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] / 255;
  return out;
};

/** The runs under way in this process, by job id: how to stop one for a shutdown, and when it has ended. */
export type ActiveRuns = Map<string, { stop: () => void; ended: Promise<void> }>;

/** Builds the task handler; each run registers itself in `active` while it lasts. */
export function createTrainTask(deps: TrainTaskDeps, active: ActiveRuns): Task {
  return async (payload: unknown, helpers: JobHelpers) => {
    const { jobId } = parseTrainTaskPayload(payload);
    const workerId = helpers.job.locked_by;
    if (!workerId) throw new Error(`${jobId}: graphile-worker gave a job without locked_by`);
    const log = deps.logger.child({ trainingJobId: jobId, workerId });
    const claim = await deps.runs.claim(jobId, workerId);
    if (claim.kind === 'done') {
      log.info({ reason: claim.reason }, 'training job needs no run');
      return;
    }
    if (claim.kind === 'busy') throw new RetryLaterError(claim.reason);
    await new TrainingAttempt(deps, claim.job, workerId, log, helpers.abortSignal, active).run();
  };
}

class TrainingAttempt {
  private readonly controller = new AbortController();
  private stopReason: StopReason | undefined;
  private readonly curve: EpochMetrics[] = [];
  private lastEpoch = 0;
  private epochStarted = performance.now();
  /** Progress writes are chained so events keep their order; a slow database drops BATCH ticks, never EPOCHs. */
  private writes: Promise<void> = Promise.resolve();
  private pendingBatch = false;

  constructor(
    private readonly deps: TrainTaskDeps,
    private readonly job: TrainingJobRecord,
    private readonly workerId: string,
    private readonly log: Logger,
    shutdown: AbortSignal,
    private readonly active: ActiveRuns,
  ) {
    shutdown.addEventListener('abort', () => this.stop('shutdown'), { once: true });
  }

  private stop(reason: StopReason): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.log.info({ reason }, 'stopping the training run');
    this.controller.abort();
  }

  async run(): Promise<void> {
    const execution = this.execute();
    this.active.set(this.job.id, { stop: () => this.stop('shutdown'), ended: execution.then(() => undefined, () => undefined) });
    try {
      await execution;
    } finally {
      this.active.delete(this.job.id);
    }
  }

  private async execute(): Promise<void> {
    const { deps, job } = this;
    const unsubscribe = deps.bus.subscribe('trainingCancel', ({ jobId }) => {
      if (jobId === job.id) this.stop('cancel');
    });
    const heartbeat = this.startHeartbeat();
    try {
      await this.attempt();
      await this.writes;
      if (this.stopReason === 'lost') {
        throw new RetryLaterError('the job was taken from this worker (its heartbeat went stale); no model version was stored');
      }
    } catch (thrown) {
      if (thrown instanceof RetryLaterError) throw thrown;
      await this.writes;
      await this.fail(coerceError(thrown));
    } finally {
      clearInterval(heartbeat);
      unsubscribe();
    }
  }

  private startHeartbeat(): NodeJS.Timeout {
    let lastOk = Date.now();
    const timer = setInterval(() => {
      this.deps.runs.heartbeat(this.job.id, this.workerId).then(
        ({ owned, cancelRequested }) => {
          lastOk = Date.now();
          if (!owned) this.stop('lost');
          else if (cancelRequested) this.stop('cancel');
        },
        (error: unknown) => {
          // Past the stale limit the sweeper will have re-queued the job: stop wasting CPU.
          this.log.warn({ err: error }, 'heartbeat failed');
          if (Date.now() - lastOk > this.deps.runs.staleAfterMs) this.stop('database');
        },
      );
    }, this.deps.settings.heartbeatMs);
    timer.unref();
    return timer;
  }

  private async attempt(): Promise<void> {
    const { deps, job } = this;
    const params = job.params;
    const base = await deps.models.findActive();
    // Loaded once: the warm start's weights and the promotion comparison's baseline.
    const baseArtifacts = base ? await deps.models.loadArtifacts(base.id) : null;
    if (params.warmStart && !base) {
      throw new Error('the job warm-starts from the active model version, but none is active; start it with warmStart: false');
    }
    const warmStartFrom = params.warmStart && base ? { id: base.id, version: base.version } : null;
    const taken = await takeSnapshot(deps.db, params, base?.id ?? null);
    const snapshot: DatasetSnapshot = { ...taken, lineage: { ...taken.lineage, warmStartFrom: warmStartFrom?.id ?? null } };
    this.log.info({ lineage: { ...snapshot.lineage, perClass: undefined }, warmStartFromVersion: warmStartFrom?.version }, 'dataset snapshot taken');
    if (snapshot.lineage.mnistTrain + snapshot.userTrain.count < 2) {
      throw new Error(
        `the dataset snapshot has ${snapshot.lineage.mnistTrain + snapshot.userTrain.count} training samples, too few to train (labels may have been removed since the job was queued)`,
      );
    }
    if (!(await deps.runs.recordStart(job.id, this.workerId, snapshot.lineage, { epochs: params.epochs }))) {
      return this.stop('lost');
    }

    const validation = this.validationSet(snapshot);
    const options: TrainOptions = {
      epochs: params.epochs,
      batchSize: params.batchSize,
      learningRate: params.learningRate,
      mnistLimit: params.mnistLimit,
      seed: params.seed,
      augment: params.augment,
      extraSamples:
        snapshot.userTrain.count > 0
          ? { images: toFloat(snapshot.userTrain.pixels), labels: snapshot.userTrain.labels, weight: params.userSampleWeight }
          : undefined,
      validation: validation.count > 0 ? { images: validation.images, labels: validation.labels } : undefined,
      initialModel: warmStartFrom && baseArtifacts ? baseArtifacts : undefined,
      threads: deps.settings.trainThreads,
      niceness: deps.settings.threadNiceness,
    };
    const trained = await trainInWorker(
      options,
      { onBatch: (p) => this.onBatch(p), onEpochEnd: (e) => this.onEpoch(e) },
      this.controller.signal,
      { batchIntervalMs: deps.settings.progressIntervalMs, cancelGraceMs: 5_000, niceness: deps.settings.threadNiceness },
    );

    this.publish({ type: 'EVALUATING', epoch: params.epochs, epochs: params.epochs, progress: 1 });
    await this.writes;
    const baseTest = base ? readEvaluation(base.metrics, 'mnistTest') : null;
    const baseOnTest = base !== null && !(baseTest && baseTest.count === deps.settings.evalTestLimit);
    const evaluation = await evaluateInWorker(
      {
        candidate: trained.artifacts,
        base: baseArtifacts,
        baseOnTest,
        testLimit: deps.settings.evalTestLimit,
        holdout: { images: toFloat(snapshot.userHoldout.pixels), labels: snapshot.userHoldout.labels, ids: snapshot.userHoldout.ids },
        curvePoints: 51,
        niceness: deps.settings.threadNiceness,
      },
      this.controller.signal,
    );
    const metrics = buildMetrics(evaluation.test, evaluation.holdout, this.curve);
    const baseFigures = evaluation.base && {
      testAccuracy: evaluation.base.testAccuracy ?? baseTest?.accuracy ?? 0,
      userHoldoutAccuracy: evaluation.base.userHoldoutAccuracy,
    };
    const result = await deps.runs.complete(job.id, this.workerId, {
      name: `trained ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
      artifacts: trained.artifacts,
      metrics: { ...metrics, validation: { source: validation.source, count: validation.count }, evaluationMs: Math.round(evaluation.durationMs) },
      figures: { testAccuracy: metrics.testAccuracy, userHoldoutAccuracy: metrics.userHoldoutAccuracy },
      baseFigures,
      recipe: {
        ...params,
        trainer: 'train.ts',
        threads: deps.settings.trainThreads,
        samples: trained.samples,
        samplesPerSec: trained.samplesPerSec,
        warmStartFrom: warmStartFrom?.id ?? null,
        warmStartFromVersion: warmStartFrom?.version ?? null,
      },
      lineage: snapshot.lineage,
      backend: trained.backend,
      durationMs: trained.durationMs,
    });
    if (!result.owned) return this.stop('lost');
    this.log.info(
      {
        modelVersion: result.modelVersion?.version,
        testAccuracy: metrics.testAccuracy,
        userHoldoutAccuracy: metrics.userHoldoutAccuracy,
        promotion: result.promotion,
        cancelled: result.cancelled,
      },
      'training job finished',
    );
  }

  /** The user holdout, or the first MNIST test digits when there is no holdout yet. */
  private validationSet(snapshot: DatasetSnapshot): { source: 'userHoldout' | 'mnistTest'; count: number; images: Float32Array; labels: Uint8Array } {
    const holdout: UserSamples = snapshot.userHoldout;
    if (holdout.count > 0) return { source: 'userHoldout', count: holdout.count, images: toFloat(holdout.pixels), labels: holdout.labels };
    const n = this.deps.settings.fallbackValidation;
    if (n === 0) return { source: 'mnistTest', count: 0, images: new Float32Array(0), labels: new Uint8Array(0) };
    const test = loadMnist('test', n);
    return { source: 'mnistTest', count: test.count, images: test.images.slice(0, test.count * PIXELS), labels: test.labels.slice(0, test.count) };
  }

  private onBatch(p: BatchProgress): void {
    const { epochs } = this.job.params;
    const done = (p.epoch - 1) * p.batches + p.batch + 1;
    const remainingSamples = (epochs * p.batches - done) * this.job.params.batchSize;
    // Only the newest tick matters: skip it if the previous one is still being written.
    if (this.pendingBatch) return;
    this.pendingBatch = true;
    this.publish(
      {
        type: 'BATCH',
        epoch: p.epoch,
        epochs,
        batch: p.batch + 1,
        batches: p.batches,
        loss: p.loss,
        accuracy: p.accuracy,
        samplesPerSec: p.samplesPerSec,
        etaSeconds: p.samplesPerSec > 0 ? remainingSamples / p.samplesPerSec : undefined,
        progress: done / (epochs * p.batches),
      },
      () => (this.pendingBatch = false),
    );
  }

  private onEpoch(e: EpochResult): void {
    const now = performance.now();
    this.curve.push({
      epoch: e.epoch,
      loss: e.loss,
      accuracy: e.accuracy,
      valLoss: e.valLoss ?? null,
      valAccuracy: e.valAccuracy ?? null,
      durationMs: Math.round(now - this.epochStarted),
    });
    this.epochStarted = now;
    this.lastEpoch = e.epoch;
    const perClass: PerClassProgress[] | undefined = e.perClassValAccuracy?.map((acc, digit) => ({
      digit,
      valAccuracy: acc,
      meanConfidence: e.perClassMeanConfidence?.[digit] ?? null,
    }));
    this.publish({
      type: 'EPOCH',
      epoch: e.epoch,
      epochs: this.job.params.epochs,
      loss: e.loss,
      accuracy: e.accuracy,
      valLoss: e.valLoss,
      valAccuracy: e.valAccuracy,
      samplesPerSec: e.samplesPerSec,
      etaSeconds: e.etaSeconds,
      progress: e.epoch / this.job.params.epochs,
      perClass: perClass?.length === NUM_CLASSES ? perClass : undefined,
    });
  }

  /** Appends an event after the ones before it; a failed write is logged, not fatal (the heartbeat decides). */
  private publish(event: TrainingEventData, done?: () => void): void {
    this.writes = this.writes
      .then(() => this.deps.events.append(this.job.id, event))
      .then(
        () => done?.(),
        (error: unknown) => {
          done?.();
          this.log.warn({ err: error, type: event.type }, 'could not record a progress event');
        },
      );
  }

  /** Ends the attempt after an error or a stop, as the reason requires. */
  private async fail(error: Error): Promise<void> {
    const { deps, job, workerId } = this;
    const cancelled = error instanceof TrainingCancelledError || error.name === 'AbortError';
    const reason = cancelled ? this.stopReason ?? 'cancel' : undefined;
    if (reason === 'lost') {
      // Someone else owns the job now; keep the queue entry alive for its retry.
      throw new RetryLaterError('the job was taken from this worker (its heartbeat went stale); no model version was stored');
    }
    if (reason === 'shutdown') {
      await deps.runs.release(job.id, workerId, `worker ${workerId} shut down during the run; re-queued`);
      throw new RetryLaterError('worker shutting down; the job was re-queued');
    }
    if (reason === 'database') {
      throw new RetryLaterError('lost the database during the run; the sweeper re-queues the job');
    }
    if (reason === 'cancel') {
      const at = this.lastEpoch < job.params.epochs ? `during epoch ${this.lastEpoch + 1} of ${job.params.epochs}` : 'during evaluation';
      await deps.runs.finish(job.id, workerId, 'cancelled', `cancelled on request ${at}; no model version was stored`);
      this.log.info('training job cancelled');
      return;
    }
    this.log.error({ err: error }, 'training job failed');
    const finished = await deps.runs.finish(job.id, workerId, 'failed', `${error.message}; no model version was stored`);
    if (!finished) throw new RetryLaterError('the job was taken from this worker before it could record its failure');
  }
}
