/**
 * The TypeORM data source: Postgres from `DATABASE_URL`, or an embedded one
 * when unset. The schema only ever changes through the numbered migrations
 * in `migrations/`, run at start-up, each in its own transaction.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import * as migrations from '../../../migrations/index.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
import { ModelVersionEntity } from './entities/model-version.entity.js';
import { PredictionEntity } from './entities/prediction.entity.js';

export const ENTITIES = [ModelVersionEntity, PredictionEntity];

/** A data source for `url`, not yet initialised. */
export function createDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: Object.values(migrations),
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    applicationName: 'mnist-studio',
    poolSize: 10,
  });
}

/** The pg pool under an initialised data source, for statements TypeORM cannot express (or would slow). */
export function pgPool(dataSource: DataSource): pg.Pool {
  return (dataSource.driver as unknown as { master: pg.Pool }).master;
}

export interface Database {
  readonly dataSource: DataSource;
  /** The connection string in use; it may hold a password, never log it. */
  readonly url: string;
  /** The running embedded cluster, when `DATABASE_URL` was unset. */
  readonly embedded: EmbeddedPostgres | undefined;
  /** Closes the pool, then stops the embedded cluster if any. Idempotent. */
  close(): Promise<void>;
}

/** Connects (starting an embedded Postgres when `databaseUrl` is unset) and runs pending migrations. */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'embeddedPostgresPort'>,
  logger: Logger,
): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    logger.info('DATABASE_URL is unset: starting the embedded Postgres');
    embedded = await startEmbeddedPostgres({
      dir: join(config.dataDir, 'postgres'),
      port: config.embeddedPostgresPort,
      logger,
    });
    url = embedded.url;
  }
  const dataSource = createDataSource(url);
  try {
    await dataSource.initialize();
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of ran) logger.info({ migration: migration.name }, 'migration applied');
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
    throw error;
  }
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    })());
  return { dataSource, url, embedded, close };
}
