/**
 * The retraining feature put together for one API process (main.ts calls
 * this): the cross-process event bus, the training services, the
 * classifier hot reload, the GraphQL resolvers, and — unless
 * `RUN_WORKER=false` — an in-process training worker.
 */
import type { GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import type { Config } from '../config.js';
import { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { TrainingModelResolver } from '../graphql/training-model.resolver.js';
import { TrainingEventResolver, TrainingResolver } from '../graphql/training.resolver.js';
import { bindTrainingSubscriptions } from '../graphql/training.subscriptions.js';
import type { ClassifierService } from '../services/classifier.service.js';
import { ModelReloader } from '../services/model-registry.reloader.js';
import { ModelRegistryService } from '../services/model-registry.service.js';
import type { ModelService } from '../services/model.service.js';
import { TrainingEventsService } from '../services/training-events.service.js';
import { TrainingService } from '../services/training.service.js';
import { migrateQueue } from './queue.js';
import { startTrainingWorker, trainTaskSettings, type TrainingWorker } from './worker.js';

export interface TrainingFeatureOptions {
  config: Config;
  logger: Logger;
  dataSource: DataSource;
  models: ModelService;
  classifier: ClassifierService;
}

export interface TrainingFeature {
  /** Resolver instances for the ResolverContainer. */
  readonly resolvers: object[];
  /** The in-process worker, when `RUN_WORKER` is on. */
  readonly worker: TrainingWorker | undefined;
  readonly training: TrainingService;
  readonly registry: ModelRegistryService;
  readonly reloader: ModelReloader;
  /** Hands the subscriptions their sources; call once the schema is built. */
  bindSchema(schema: GraphQLSchema): void;
  /** Stops the worker (its job is re-queued), the reload and the bus. Idempotent. */
  close(): Promise<void>;
}

/** The resolver classes of the feature, for buildSchema. */
export const TRAINING_RESOLVERS = [TrainingResolver, TrainingEventResolver, TrainingModelResolver] as const;

export async function startTrainingFeature(options: TrainingFeatureOptions): Promise<TrainingFeature> {
  const { config, logger, dataSource, models, classifier } = options;
  // LISTEN and the queue need connections of their own, to the same database.
  const databaseUrl = (dataSource.options as { url?: string }).url;
  if (!databaseUrl) throw new Error('the training feature needs a data source configured with a connection URL');
  const bus = new EventBus(databaseUrl, logger.child({ component: 'events' }));
  const undo: Array<() => Promise<void>> = [() => bus.close()];
  const unwind = async () => {
    for (const step of undo.reverse()) await step().catch((error: unknown) => logger.error({ err: error }, 'error while closing training'));
  };
  try {
    await bus.start();
    await migrateQueue(databaseUrl, logger);
    const events = new TrainingEventsService(dataSource, bus);
    const training = new TrainingService(dataSource, events, bus, { maxAttempts: config.trainingMaxAttempts });
    const registry = new ModelRegistryService(dataSource, models, bus);
    const reloader = new ModelReloader(bus, classifier, logger.child({ component: 'model-reload' }));
    reloader.start();
    undo.push(() => reloader.stop());
    // Activations elsewhere change two versions' status: read them afresh.
    for (const unsubscribe of [bus.subscribe('modelActivated', () => models.forgetCached()), bus.onReconnect(() => models.forgetCached())]) {
      undo.push(async () => unsubscribe());
    }
    // An activation may have happened between loading the model at start and listening.
    await reloader.reload(null);

    let worker: TrainingWorker | undefined;
    if (config.runWorker) {
      worker = await startTrainingWorker({
        connectionString: databaseUrl,
        dataSource,
        bus,
        events,
        models,
        registry,
        logger,
        concurrency: config.workerConcurrency,
        staleAfterMs: config.trainingStaleMs,
        settings: trainTaskSettings(config),
      });
      undo.push(() => worker!.stop());
    }

    let closed: Promise<void> | undefined;
    return {
      resolvers: [new TrainingResolver(training, events, models), new TrainingEventResolver(models), new TrainingModelResolver(models, registry, training, reloader)],
      worker,
      training,
      registry,
      reloader,
      bindSchema: (schema) =>
        bindTrainingSubscriptions(schema, {
          followJob: (jobId) => training.follow(jobId),
          modelActivations: () => reloader.activations(),
        }),
      close: () => (closed ??= unwind()),
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}
