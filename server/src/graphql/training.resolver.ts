import { Arg, Authorized, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { ADMIN } from '../auth/admin.js';
import type { TrainingEventRecord } from '../events/topics.js';
import type { ModelService } from '../services/model.service.js';
import type { TrainingEventsService } from '../services/training-events.service.js';
import type { TrainingJobRecord, TrainingService } from '../services/training.service.js';
import { ModelVersion, toModelVersion } from './model-version.type.js';
import { TrainingInput } from './training.input.js';
import { trainingSources } from './training.subscriptions.js';
import { TrainingEvent, TrainingJob } from './training.type.js';

export function toTrainingJob(job: TrainingJobRecord): TrainingJob {
  return Object.assign(new TrainingJob(), {
    id: job.id,
    status: job.status,
    params: job.params,
    lineage: job.lineage && {
      ...job.lineage,
      snapshotAt: new Date(job.lineage.snapshotAt),
      newestUserSample: job.lineage.newestUserSample && {
        id: job.lineage.newestUserSample.id,
        createdAt: new Date(job.lineage.newestUserSample.createdAt),
        labeledAt: new Date(job.lineage.newestUserSample.labeledAt),
      },
    },
    error: job.error,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    workerId: job.workerId,
    cancelRequested: job.cancelRequested,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    modelVersionId: job.modelVersionId,
  });
}

export function toTrainingEvent(event: TrainingEventRecord): TrainingEvent {
  return Object.assign(new TrainingEvent(), { ...event, at: new Date(event.at) });
}

@Resolver(() => TrainingJob)
export class TrainingResolver {
  constructor(
    private readonly training: TrainingService,
    private readonly history: TrainingEventsService,
    private readonly models: ModelService,
  ) {}

  @Query(() => [TrainingJob], { description: 'The newest training jobs, newest first.' })
  async trainingJobs(
    @Arg('first', () => Int, { defaultValue: 20, description: 'How many, 1 to 100.' }) first: number,
  ): Promise<TrainingJob[]> {
    return (await this.training.list(first)).map(toTrainingJob);
  }

  @Query(() => TrainingJob, { description: 'One training job. Errors: NOT_FOUND.' })
  async trainingJob(@Arg('id', () => ID) id: string): Promise<TrainingJob> {
    return toTrainingJob(await this.training.get(id));
  }

  @Mutation(() => TrainingJob, {
    description:
      'Queues a training job; a worker takes it within moments. Follow it with `trainingProgress`. ' +
      'Errors: BAD_USER_INPUT (a parameter out of range, named in `extensions.field`), EMPTY_DATASET (nothing to train on), ' +
      'UNAUTHENTICATED / FORBIDDEN (needs the admin token), RATE_LIMITED.',
  })
  @Authorized(ADMIN)
  async startTraining(@Arg('input', () => TrainingInput, { nullable: true }) input?: TrainingInput | null): Promise<TrainingJob> {
    return toTrainingJob(await this.training.start(input ?? {}));
  }

  @Mutation(() => TrainingJob, {
    description:
      'Cancels a job: a queued one at once, a running one within one batch (it answers RUNNING with `cancelRequested` ' +
      'until the worker stops; `trainingProgress` then sends CANCELLED). Errors: NOT_FOUND, CONFLICT (the job already ended), ' +
      'UNAUTHENTICATED / FORBIDDEN (needs the admin token).',
  })
  @Authorized(ADMIN)
  async cancelTraining(@Arg('id', () => ID) id: string): Promise<TrainingJob> {
    return toTrainingJob(await this.training.cancel(id));
  }

  @Subscription(() => TrainingEvent, {
    subscribe: ({ args, info }) => trainingSources(info as GraphQLResolveInfo).followJob((args as { jobId: string }).jobId),
    description:
      "A job's progress: first its stored history (without superseded BATCH ticks), then live events from whichever " +
      'worker runs it; completes after COMPLETED, FAILED or CANCELLED. Errors: NOT_FOUND.',
  })
  trainingProgress(@Root() event: TrainingEventRecord, @Arg('jobId', () => ID) _jobId: string): TrainingEvent {
    return toTrainingEvent(event);
  }

  @FieldResolver(() => ModelVersion, { nullable: true })
  async modelVersion(@Root() job: TrainingJob): Promise<ModelVersion | null> {
    if (!job.modelVersionId) return null;
    const version = await this.models.findById(job.modelVersionId);
    return version && toModelVersion(version);
  }

  @FieldResolver(() => [TrainingEvent])
  async events(@Root() job: TrainingJob): Promise<TrainingEvent[]> {
    return (await this.history.compactHistory(job.id)).map(toTrainingEvent);
  }

  @FieldResolver(() => [TrainingEvent])
  async epochs(@Root() job: TrainingJob): Promise<TrainingEvent[]> {
    return (await this.history.ofType(job.id, 'EPOCH')).map(toTrainingEvent);
  }
}

@Resolver(() => TrainingEvent)
export class TrainingEventResolver {
  constructor(private readonly models: ModelService) {}

  @FieldResolver(() => ModelVersion, { nullable: true })
  async modelVersion(@Root() event: TrainingEvent): Promise<ModelVersion | null> {
    if (!event.modelVersionId) return null;
    const version = await this.models.findById(event.modelVersionId);
    return version && toModelVersion(version);
  }
}
