/**
 * The GraphQL schema, built by TypeGraphQL from the resolver classes. The
 * committed `schema.graphql` is printed from it by `npm run schema`, never
 * at run time; a test fails when the two differ.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema, emitSchemaDefinitionFile, type ContainerType } from 'type-graphql';
import { adminAuthChecker } from '../auth/admin.js';
import { REPO_ROOT } from '../config.js';
import { DatasetResolver } from './dataset.resolver.js';
import { HistoryResolver } from './history.resolver.js';
import { LabelResolver } from './label.resolver.js';
import { MnistSampleResolver } from './mnist-sample.resolver.js';
import { ModelResolver } from './model.resolver.js';
import { PerformanceResolver } from './performance.resolver.js';
import { PredictionPreviewResolver } from './prediction-preview.resolver.js';
import { PredictionResolver } from './prediction.resolver.js';
import { TrainingModelResolver } from './training-model.resolver.js';
import { TrainingEventResolver, TrainingResolver } from './training.resolver.js';
import type { AppPubSub } from './pubsub.js';

export const RESOLVERS = [
  PredictionResolver,
  PredictionPreviewResolver,
  ModelResolver,
  TrainingResolver,
  TrainingEventResolver,
  TrainingModelResolver,
  HistoryResolver,
  LabelResolver,
  PerformanceResolver,
  DatasetResolver,
  MnistSampleResolver,
] as const;

/** Where the committed schema lives. */
export const SCHEMA_FILE = join(REPO_ROOT, 'schema.graphql');

export interface SchemaDependencies {
  /** Hands out the resolver instances (see ResolverContainer). */
  container: ContainerType;
  pubSub: AppPubSub;
}

export function buildAppSchema({ container, pubSub }: SchemaDependencies): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...RESOLVERS],
    container,
    pubSub,
    // Inputs are checked by the services, which know the limits and name the fields.
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    // `@Authorized(ADMIN)` operations: UNAUTHENTICATED / FORBIDDEN saying what to send.
    authChecker: adminAuthChecker,
    emitSchemaFile: false,
  });
}

/** Writes the schema as TypeGraphQL prints it (sorted, with its do-not-edit header). */
export function emitSchema(schema: GraphQLSchema, path = SCHEMA_FILE): Promise<void> {
  return emitSchemaDefinitionFile(path, schema, { sortedSchema: true });
}
