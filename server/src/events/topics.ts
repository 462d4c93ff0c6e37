/**
 * The cross-process topics: each one's Postgres channel and its payload, plain
 * JSON kept apart from the GraphQL types (which map from these). Payloads
 * come from another process, so each is checked on arrival like any other
 * untrusted input.
 */
import { z } from 'zod';

/** Kinds of training progress events, in the order a successful job emits them. */
export const TRAINING_EVENT_TYPES = [
  'QUEUED',
  'STARTED',
  'BATCH',
  'EPOCH',
  'EVALUATING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
] as const;
export type TrainingEventType = (typeof TRAINING_EVENT_TYPES)[number];

/** Event types after which a job emits nothing more. */
export const TERMINAL_EVENT_TYPES: ReadonlySet<TrainingEventType> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** One digit's validation figures at the end of an epoch. */
export interface PerClassProgress {
  digit: number;
  /** Fraction of this digit's validation samples classified right, in [0, 1]; null without any. */
  valAccuracy: number | null;
  /** Mean probability given to the true class over those samples, in [0, 1]; null without any. */
  meanConfidence: number | null;
}

/**
 * What a job reports while it runs. Fields not meaningful for a `type` are
 * absent (BATCH has no `valLoss`, QUEUED no `epoch` ...).
 */
export interface TrainingEventData {
  type: TrainingEventType;
  /** 1-based epoch. */
  epoch?: number;
  epochs?: number;
  /** 1-based batch within the epoch. */
  batch?: number;
  batches?: number;
  /** Mean cross-entropy (nats) over the batches so far in this epoch (BATCH) or the whole epoch (EPOCH). */
  loss?: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Training throughput over the current epoch, samples per second. */
  samplesPerSec?: number;
  /** Estimated seconds until the training loop ends (evaluation not included). */
  etaSeconds?: number;
  /** Fraction of the job's batches done, in [0, 1]. */
  progress?: number;
  perClass?: PerClassProgress[];
  /** Id of the model version the job produced (COMPLETED). */
  modelVersionId?: string;
  /** Whether that version became the active one (COMPLETED). */
  activated?: boolean;
  /** Why the job failed, was cancelled or was re-queued. */
  error?: string;
}

/** A stored event: its data plus where it sits in the job's history. */
export interface TrainingEventRecord extends TrainingEventData {
  jobId: string;
  /** 1, 2, 3 ... per job, without gaps. */
  seq: number;
  /** ISO 8601 time the event was stored. */
  at: string;
}

/** Notice on `trainingEvent`: the stored event inline, or only its key when it would not fit in a NOTIFY. */
export interface TrainingEventNotice {
  jobId: string;
  seq: number;
  event?: TrainingEventRecord;
}

export interface TrainingCancelNotice {
  jobId: string;
}

export interface ModelActivatedNotice {
  modelVersionId: string;
}

/** Topic name → payload. */
export interface TopicPayloads {
  trainingEvent: TrainingEventNotice;
  trainingCancel: TrainingCancelNotice;
  modelActivated: ModelActivatedNotice;
}
export type Topic = keyof TopicPayloads;

/** Postgres channel of each topic. */
export const CHANNELS: { readonly [K in Topic]: string } = {
  trainingEvent: 'mnist_training_event',
  trainingCancel: 'mnist_training_cancel',
  modelActivated: 'mnist_model_activated',
};

const num = z.number().finite();
const id = z.string().min(1).max(64);

const perClassSchema = z.object({
  digit: z.number().int().min(0).max(9),
  valAccuracy: num.nullable(),
  meanConfidence: num.nullable(),
});

export const trainingEventRecordSchema = z.object({
  jobId: id,
  seq: z.number().int().positive(),
  at: z.string(),
  type: z.enum(TRAINING_EVENT_TYPES),
  epoch: z.number().int().optional(),
  epochs: z.number().int().optional(),
  batch: z.number().int().optional(),
  batches: z.number().int().optional(),
  loss: num.optional(),
  accuracy: num.optional(),
  valLoss: num.optional(),
  valAccuracy: num.optional(),
  samplesPerSec: num.optional(),
  etaSeconds: num.optional(),
  progress: num.optional(),
  perClass: z.array(perClassSchema).max(10).optional(),
  modelVersionId: id.optional(),
  activated: z.boolean().optional(),
  error: z.string().optional(),
});

const schemas: { [K in Topic]: z.ZodType<TopicPayloads[K]> } = {
  trainingEvent: z.object({ jobId: id, seq: z.number().int().positive(), event: trainingEventRecordSchema.optional() }),
  trainingCancel: z.object({ jobId: id }),
  modelActivated: z.object({ modelVersionId: id }),
};

/**
 * Parses a notification's text for `topic`.
 *
 * @throws Error naming the topic and the first problem, for text that is not the expected JSON
 */
export function parseTopicPayload<K extends Topic>(topic: K, text: string): TopicPayloads[K] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${topic} notification is not JSON: ${text.slice(0, 80)}`);
  }
  const result = schemas[topic].safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${topic} notification: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  return result.data;
}
