import type { TrainingEvent } from '$lib/graphql/operations/train';

/** Where a watched job stands, as its events tell it. */
export type RunPhase = 'QUEUED' | 'RUNNING' | 'EVALUATING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** A training tick: `x` counts epochs, fractional within one (1.5 = halfway through epoch 2). */
export interface BatchPoint {
  readonly x: number;
  readonly loss: number | null;
  readonly accuracy: number | null;
}

export interface EpochPoint {
  readonly epoch: number;
  readonly loss: number | null;
  readonly accuracy: number | null;
  readonly valLoss: number | null;
  readonly valAccuracy: number | null;
}

export type ClassProgress = NonNullable<TrainingEvent['perClass']>[number];
export type ProducedVersion = NonNullable<TrainingEvent['modelVersion']>;

const FINAL: readonly RunPhase[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

/**
 * Folds one job's `trainingProgress` events (stored history first, then live)
 * into what the Train page shows. Events are applied once each, in `seq`
 * order; a repeat (after a resubscription) is ignored.
 */
export class TrainingRun {
  phase = $state<RunPhase>('QUEUED');
  /** Share of training done, 0 to 1. */
  progress = $state(0);
  etaSeconds = $state<number | null>(null);
  samplesPerSec = $state<number | null>(null);
  epoch = $state<number | null>(null);
  epochs = $state<number | null>(null);
  batch = $state<number | null>(null);
  batches = $state<number | null>(null);
  batchPoints = $state.raw<BatchPoint[]>([]);
  epochPoints = $state.raw<EpochPoint[]>([]);
  /** Per-digit validation figures of the latest epoch. */
  perClass = $state.raw<ClassProgress[] | null>(null);
  /** Why it failed or was cancelled, or why an attempt was lost while queued. */
  error = $state<string | null>(null);
  modelVersion = $state.raw<ProducedVersion | null>(null);
  activated = $state<boolean | null>(null);
  /** Events seen, for tests and for "waiting for the first event". */
  events = $state(0);
  #lastSeq = 0;

  readonly jobId: string;

  constructor(jobId: string) {
    this.jobId = jobId;
  }

  get finished(): boolean {
    return FINAL.includes(this.phase);
  }

  apply(event: TrainingEvent): void {
    if (event.seq <= this.#lastSeq) return;
    this.#lastSeq = event.seq;
    this.events += 1;
    if (event.epochs != null) this.epochs = event.epochs;
    switch (event.type) {
      case 'QUEUED':
        this.phase = 'QUEUED';
        this.error = event.error ?? null;
        break;
      case 'STARTED':
        this.phase = 'RUNNING';
        this.error = null;
        // A restarted attempt trains from scratch: forget the lost attempt's curve.
        this.batchPoints = [];
        this.epochPoints = [];
        this.perClass = null;
        break;
      case 'BATCH':
        this.phase = 'RUNNING';
        this.tick(event);
        if (event.epoch != null && event.batch != null && event.batches) {
          this.batchPoints = [...this.batchPoints, { x: event.epoch - 1 + event.batch / event.batches, loss: event.loss ?? null, accuracy: event.accuracy ?? null }];
        }
        break;
      case 'EPOCH':
        this.phase = 'RUNNING';
        this.tick(event);
        if (event.epoch != null) {
          const point: EpochPoint = {
            epoch: event.epoch,
            loss: event.loss ?? null,
            accuracy: event.accuracy ?? null,
            valLoss: event.valLoss ?? null,
            valAccuracy: event.valAccuracy ?? null,
          };
          this.epochPoints = [...this.epochPoints.filter((p) => p.epoch !== point.epoch), point];
        }
        if (event.perClass) this.perClass = event.perClass;
        break;
      case 'EVALUATING':
        this.phase = 'EVALUATING';
        this.progress = 1;
        this.etaSeconds = null;
        break;
      case 'COMPLETED':
        this.phase = 'COMPLETED';
        this.progress = 1;
        this.etaSeconds = null;
        this.modelVersion = event.modelVersion ?? null;
        this.activated = event.activated ?? null;
        break;
      case 'FAILED':
      case 'CANCELLED':
        this.phase = event.type;
        this.etaSeconds = null;
        this.error = event.error ?? null;
        break;
    }
  }

  private tick(event: TrainingEvent): void {
    if (event.progress != null) this.progress = event.progress;
    this.etaSeconds = event.etaSeconds ?? null;
    if (event.samplesPerSec != null) this.samplesPerSec = event.samplesPerSec;
    if (event.epoch != null) this.epoch = event.epoch;
    if (event.batch != null) this.batch = event.batch;
    if (event.batches != null) this.batches = event.batches;
  }
}
