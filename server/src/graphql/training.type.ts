import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { TRAINING_EVENT_TYPES, type TrainingEventType } from '../events/topics.js';
import type { TrainingJobStatus } from '../services/training.service.js';
import { ModelVersion } from './model-version.type.js';

export enum TrainingJobStatusValue {
  QUEUED = 'queued',
  RUNNING = 'running',
  COMPLETED = 'completed',
  FAILED = 'failed',
  CANCELLED = 'cancelled',
}
registerEnumType(TrainingJobStatusValue, {
  name: 'TrainingJobStatus',
  description: 'Where a training job is in its life.',
  valuesConfig: {
    QUEUED: { description: 'Waiting for a worker (also after a worker was lost, while attempts remain).' },
    RUNNING: { description: 'A worker is training or evaluating.' },
    COMPLETED: { description: 'Produced `modelVersion` (active or a candidate, see its `status`).' },
    FAILED: { description: 'Ended without a model; `error` says why.' },
    CANCELLED: { description: 'Stopped on request; no model was stored.' },
  },
});

// The values are the names themselves: events are stored and sent with upper-case types.
export const TrainingEventTypeValue = Object.fromEntries(TRAINING_EVENT_TYPES.map((t) => [t, t])) as {
  [K in TrainingEventType]: K;
};
registerEnumType(TrainingEventTypeValue, {
  name: 'TrainingEventType',
  description: 'What a training progress event reports.',
  valuesConfig: {
    QUEUED: { description: 'The job is waiting for a worker (again, if `error` says an attempt was lost).' },
    STARTED: { description: 'A worker took the job and its dataset snapshot.' },
    BATCH: { description: 'Training progress within an epoch (at most about 4 per second).' },
    EPOCH: { description: 'An epoch ended: training and validation loss and accuracy, per-digit validation figures.' },
    EVALUATING: { description: 'Training ended; evaluating on the MNIST test set and the user holdout.' },
    COMPLETED: { description: 'The new model version is stored (`modelVersion`, `activated`).' },
    FAILED: { description: 'The job ended without a model (`error`).' },
    CANCELLED: { description: 'The job was cancelled.' },
  },
});

@ObjectType('TrainingParams', { description: 'The parameters a job runs with, defaults applied.' })
export class TrainingParamsObject {
  @Field(() => Int)
  epochs!: number;

  @Field(() => Int)
  batchSize!: number;

  @Field(() => Float)
  learningRate!: number;

  @Field(() => Int)
  mnistLimit!: number;

  @Field()
  includeUserData!: boolean;

  @Field(() => Float)
  userSampleWeight!: number;

  @Field()
  augment!: boolean;

  @Field(() => Int)
  seed!: number;

  @Field({ description: 'Whether the job fine-tunes the version active when it starts (false for jobs from before warm starts).' })
  warmStart!: boolean;
}

@ObjectType({ description: 'How many samples of one digit went into a job.' })
export class LineageClassCount {
  @Field(() => Int)
  digit!: number;

  @Field(() => Int, { description: 'MNIST training digits.' })
  mnist!: number;

  @Field(() => Int, { description: 'Labelled drawings trained on.' })
  userTrain!: number;

  @Field(() => Int, { description: 'Labelled drawings held out for validation.' })
  userHoldout!: number;
}

@ObjectType({ description: 'A labelled drawing referred to by a lineage.' })
export class LineageSample {
  @Field(() => ID, { description: 'The prediction id.' })
  id!: string;

  @Field()
  createdAt!: Date;

  @Field()
  labeledAt!: Date;
}

@ObjectType({ description: 'The dataset snapshot a job took when it started.' })
export class DatasetLineage {
  @Field()
  snapshotAt!: Date;

  @Field(() => Int, { description: 'MNIST training digits used.' })
  mnistTrain!: number;

  @Field(() => Int, { description: 'Labelled drawings at snapshot time (trained on plus held out).' })
  userSamples!: number;

  @Field(() => Int)
  userTrain!: number;

  @Field(() => Int)
  userHoldout!: number;

  @Field(() => Int, { description: 'Share of labelled drawings held out for validation, chosen by a hash of their id.' })
  holdoutPercent!: number;

  @Field(() => Float, { description: 'Loss weight of a trained-on drawing against one MNIST digit.' })
  userSampleWeight!: number;

  @Field(() => [LineageClassCount])
  perClass!: LineageClassCount[];

  @Field(() => LineageSample, { nullable: true, description: 'The most recently labelled drawing included.' })
  newestUserSample!: LineageSample | null;

  @Field(() => ID, { nullable: true, description: 'The version active when the job started; promotion compares with it.' })
  baseModelVersionId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The version whose weights the job fine-tuned; null when it trained from scratch.' })
  warmStartFrom?: string | null;
}

@ObjectType({ description: "One digit's validation figures after an epoch." })
export class ClassProgress {
  @Field(() => Int)
  digit!: number;

  @Field(() => Float, { nullable: true, description: 'Validation accuracy on this digit, 0 to 1; null without validation samples of it.' })
  valAccuracy!: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean probability given to the true digit, 0 to 1.' })
  meanConfidence!: number | null;
}

@ObjectType({ description: 'A training progress event. Fields that do not apply to its `type` are null.' })
export class TrainingEvent {
  @Field(() => ID)
  jobId!: string;

  @Field(() => Int, { description: '1, 2, 3 ... within the job, without gaps.' })
  seq!: number;

  @Field(() => TrainingEventTypeValue)
  type!: TrainingEventType;

  @Field({ description: 'When the event was recorded.' })
  at!: Date;

  @Field(() => Int, { nullable: true, description: '1-based epoch (0 before the first).' })
  epoch?: number;

  @Field(() => Int, { nullable: true })
  epochs?: number;

  @Field(() => Int, { nullable: true, description: '1-based batch within the epoch.' })
  batch?: number;

  @Field(() => Int, { nullable: true, description: 'Batches per epoch.' })
  batches?: number;

  @Field(() => Float, { nullable: true, description: 'Mean training cross-entropy so far in the epoch (nats).' })
  loss?: number;

  @Field(() => Float, { nullable: true, description: 'Training accuracy so far in the epoch, 0 to 1 (COMPLETED: MNIST test accuracy).' })
  accuracy?: number;

  @Field(() => Float, { nullable: true })
  valLoss?: number;

  @Field(() => Float, { nullable: true, description: 'Validation accuracy, 0 to 1 (COMPLETED: user holdout accuracy).' })
  valAccuracy?: number;

  @Field(() => Float, { nullable: true, description: 'Training throughput, samples per second.' })
  samplesPerSec?: number;

  @Field(() => Float, { nullable: true, description: 'Estimated seconds until training ends (evaluation not included).' })
  etaSeconds?: number;

  @Field(() => Float, { nullable: true, description: 'Share of the training done, 0 to 1.' })
  progress?: number;

  @Field(() => [ClassProgress], { nullable: true })
  perClass?: ClassProgress[];

  /** Resolved to `modelVersion` by the resolver. */
  modelVersionId?: string;

  @Field(() => ModelVersion, { nullable: true, description: 'The version the job produced (COMPLETED).' })
  modelVersion?: ModelVersion | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether that version became the active one (COMPLETED).' })
  activated?: boolean;

  @Field(() => String, { nullable: true, description: 'Why the job failed or was cancelled, or why an attempt was lost (QUEUED).' })
  error?: string;
}

@ObjectType({ description: 'A request to train a new model version, and what came of it.' })
export class TrainingJob {
  @Field(() => ID)
  id!: string;

  @Field(() => TrainingJobStatusValue)
  status!: TrainingJobStatus;

  @Field(() => TrainingParamsObject)
  params!: TrainingParamsObject;

  @Field(() => DatasetLineage, { nullable: true, description: 'The data it trained on; null until a worker starts it.' })
  lineage!: DatasetLineage | null;

  @Field(() => String, { nullable: true, description: 'Why it failed or was cancelled, or why an earlier attempt was lost.' })
  error!: string | null;

  @Field(() => Int, { description: 'Runs started; a worker lost mid-run costs one.' })
  attempts!: number;

  @Field(() => Int)
  maxAttempts!: number;

  @Field(() => String, { nullable: true, description: 'The worker running (or that last ran) it.' })
  workerId!: string | null;

  @Field({ description: 'A cancel was asked for; a running job stops within one batch.' })
  cancelRequested!: boolean;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  /** Resolved to `modelVersion` by the resolver. */
  modelVersionId!: string | null;

  @Field(() => ModelVersion, { nullable: true, description: 'The version it produced (COMPLETED only).' })
  modelVersion?: ModelVersion | null;

  @Field(() => [TrainingEvent], { description: 'Its stored events except superseded BATCH ticks, oldest first.' })
  events?: TrainingEvent[];

  @Field(() => [TrainingEvent], { description: 'Its EPOCH events: the training curve so far.' })
  epochs?: TrainingEvent[];
}
