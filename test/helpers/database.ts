/**
 * A fresh, empty Postgres database per test file: on the server named by
 * DATABASE_URL when set (a database `mnist_test_<random>`, dropped
 * afterwards), otherwise on an embedded Postgres in a temp folder (removed
 * afterwards).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../server/src/db/embedded-postgres.js';
import { createLogger } from '../../server/src/logger.js';

export interface TestDatabase {
  /** Connection string of the fresh database. */
  readonly url: string;
  /** Runs SQL on the test database through a small pool of its own. */
  query<Row extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Closes the pool and drops the database (or stops and removes the embedded cluster). */
  close(): Promise<void>;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Makes a temp folder the `postgres` system user can enter (mkdtemp's are 0700). */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

export async function withTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  let url: string;
  let teardown: () => Promise<void>;
  if (adminUrl) {
    const name = `mnist_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    } finally {
      await admin.end();
    }
    const parsed = new URL(adminUrl);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
    teardown = async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    };
  } else {
    const dir = await makeTempDir('mnist-test-pg-');
    const embedded = await startEmbeddedPostgres({
      dir: join(dir, 'postgres'),
      port: 0,
      database: 'mnist_test',
      logger: createLogger({ logLevel: 'silent', nodeEnv: 'test' }),
    });
    url = embedded.url;
    teardown = async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  let closed: Promise<void> | undefined;
  // pool.end() resolves before its sockets are gone; when the database is then
  // dropped or stopped, an idle client still hears "terminating connection",
  // which the pool re-emits and, with no listener, would crash the test process.
  pool.on('error', (error) => {
    if (!closed) throw error;
  });
  return {
    url,
    async query<Row extends object>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params)).rows as Row[];
    },
    close: () =>
      (closed ??= (async () => {
        await pool.end();
        await teardown();
      })()),
  };
}
