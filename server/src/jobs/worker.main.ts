/**
 * `npm run worker`: a training worker process on its own. Start any number,
 * on any machines, against the API's database (`DATABASE_URL`): each takes
 * different jobs, and progress reaches every API instance through Postgres
 * NOTIFY. It runs no migrations — the API does at start-up.
 *
 * SIGINT / SIGTERM stop it gracefully: a job under way is re-queued for
 * another worker without costing an attempt. A worker killed outright
 * (SIGKILL, power loss) is noticed by the others through its stale heartbeat.
 */
import 'reflect-metadata';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig } from '../config.js';
import { createDataSource } from '../db/data-source.js';
import { coerceError } from '../errors.js';
import { EventBus } from '../events/bus.js';
import { createLogger } from '../logger.js';
import { ModelRegistryService } from '../services/model-registry.service.js';
import { ModelService } from '../services/model.service.js';
import { TrainingEventsService } from '../services/training-events.service.js';
import { startTrainingWorker, trainTaskSettings } from './worker.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : coerceError(error));
    process.exit(1);
  }
  if (!config.databaseUrl) {
    console.error(
      'npm run worker needs DATABASE_URL: a worker joins the database of the API (postgres://user:password@host:5432/database). ' +
        'The embedded Postgres of a lone `npm start` already has a worker inside the API.',
    );
    process.exit(1);
  }
  const logger = createLogger(config).child({ process: 'worker', pid: process.pid });
  const dataSource = createDataSource(config.databaseUrl);
  const bus = new EventBus(config.databaseUrl, logger.child({ component: 'events' }));
  try {
    await dataSource.initialize();
    const [{ ready }] = (await dataSource.query(`SELECT to_regclass('training_jobs') IS NOT NULL AS ready`)) as [{ ready: boolean }];
    if (!ready) {
      throw new Error('the database has no training_jobs table: start the API (npm start) once against it to run the migrations');
    }
    await bus.start();
  } catch (error) {
    logger.fatal({ err: coerceError(error) }, 'the worker cannot start');
    await bus.close();
    if (dataSource.isInitialized) await dataSource.destroy();
    process.exit(1);
  }
  const models = new ModelService(dataSource, logger);
  const events = new TrainingEventsService(dataSource, bus);
  const worker = await startTrainingWorker({
    connectionString: config.databaseUrl,
    dataSource,
    bus,
    events,
    models,
    registry: new ModelRegistryService(dataSource, models, bus),
    logger,
    concurrency: config.workerConcurrency,
    staleAfterMs: config.trainingStaleMs,
    settings: trainTaskSettings(config),
  });
  // Tests and supervisors wait for this line before starting jobs.
  logger.info('worker ready');

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    logger.info({ signal }, 'signal received: stopping the worker');
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 5_000).unref();
    (async () => {
      await worker.stop();
      await bus.close();
      await dataSource.destroy();
    })().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: coerceError(error) }, 'worker shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
