/**
 * Where the training subscriptions get their streams. TypeGraphQL runs a
 * `subscribe` option without the resolver instance or the container, so the
 * sources of each built schema (one per server; tests run several in one
 * process) are bound to that schema and found again through `info.schema`.
 */
import type { GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import type { ModelVersionEntity } from '../db/entities/model-version.entity.js';
import type { TrainingEventRecord } from '../events/topics.js';

export interface TrainingSubscriptionSources {
  /** History then live events of a job; rejects with NOT_FOUND for an unknown job. */
  followJob(jobId: string): Promise<AsyncIterableIterator<TrainingEventRecord>>;
  /** Versions this instance switches to, once their weights are loaded. */
  modelActivations(): AsyncIterableIterator<ModelVersionEntity>;
}

const bound = new WeakMap<GraphQLSchema, TrainingSubscriptionSources>();

/** Binds the sources of one server to its schema (main.ts, right after building it). */
export function bindTrainingSubscriptions(schema: GraphQLSchema, sources: TrainingSubscriptionSources): void {
  bound.set(schema, sources);
}

export function trainingSources(info: GraphQLResolveInfo): TrainingSubscriptionSources {
  const sources = bound.get(info.schema);
  if (!sources) throw new Error('training subscriptions are not bound to this schema; call bindTrainingSubscriptions() after buildAppSchema()');
  return sources;
}
