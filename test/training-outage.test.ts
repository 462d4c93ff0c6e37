import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../server/src/db/embedded-postgres.js';
import { createLogger } from '../server/src/logger.js';
import { makeTempDir, type TestDatabase } from './helpers/database.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { startWorkerProcess, type ChildNode } from './helpers/processes.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { followJob, startJob, TRAINING_JOB } from './helpers/training.js';

const TIMING = { TRAINING_STALE_MS: '3000', TRAINING_HEARTBEAT_MS: '500', TRAINING_PROGRESS_MS: '100', EVAL_TEST_LIMIT: '500' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// This test stops and restarts Postgres, so it always runs on an embedded
// cluster of its own, even where DATABASE_URL names a shared server.
describe('training when the database goes away mid-job', () => {
  const logger = createLogger({ logLevel: 'silent', nodeEnv: 'test' });
  let root: string;
  let cluster: EmbeddedPostgres;
  let pool: pg.Pool;
  let server: TestServer;
  let worker: ChildNode;
  const startCluster = (port: number) => startEmbeddedPostgres({ dir: join(root, 'postgres'), port, database: 'mnist_outage', logger });

  before(async () => {
    root = await makeTempDir('mnist-outage-');
    cluster = await startCluster(0);
    pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
    pool.on('error', () => undefined); // idle clients die with the server; the pool replaces them
    const db: TestDatabase = {
      url: cluster.url,
      query: async <Row extends object>(sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as Row[],
      close: async () => undefined,
    };
    server = await startTestServer({ db, config: { runWorker: false, trainingStaleMs: 3000, trainingHeartbeatMs: 500, evalTestLimit: 500 } });
    worker = await startWorkerProcess('worker', { DATABASE_URL: cluster.url, ...TIMING });
  });
  after(async () => {
    await worker?.stop();
    await server?.close();
    await pool?.end();
    await cluster?.stop();
    if (root) await rm(root, { recursive: true, force: true });
    await assertNoOpenHandles();
  });

  test('the job resumes or fails cleanly after Postgres restarts, and no half-written version appears', async () => {
    const gql = <D>(q: string, v?: Record<string, unknown>) => server.graphql<D>(q, v);
    const [{ n: versionsBefore }] = await server.db.query<{ n: string }>('SELECT count(*) AS n FROM model_versions');
    const job = await startJob(gql, { mnistLimit: 3000, epochs: 1, batchSize: 32, augment: false, seed: 31 });
    const follower = await followJob(server.wsUrl, job.id);
    try {
      await follower.waitFor((e) => e.type === 'BATCH', 60_000);
      const port = Number(new URL(cluster.url).port);
      await cluster.stop();
      await sleep(5_000); // longer than the stale limit: the worker gives the run up
      cluster = await startCluster(port);

      const events = await follower.done(120_000).catch(async (error: unknown) => {
        const rows = await server.db.query('SELECT status, attempts, error, worker_id, heartbeat_at, now() FROM training_jobs WHERE id = $1', [job.id]);
        const stored = await server.db.query('SELECT seq, type FROM training_events WHERE job_id = $1 ORDER BY seq', [job.id]);
        const log = worker.lines.filter((l) => l.level >= 40).slice(-8).map((l) => l.msg.slice(0, 200));
        const activity = await server.db.query(
          `SELECT application_name, state, left(query, 80) AS query, now() - xact_start AS xact_age FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        throw new Error(`${String(error)}; job ${JSON.stringify(rows)}; stored ${JSON.stringify(stored)}; worker warnings ${JSON.stringify(log)}; worker exit ${worker.child.exitCode ?? worker.child.signalCode}; stderr ${worker.stderr.slice(0, 25).join('\n')}; activity ${JSON.stringify(activity)}`);
      });
      const last = events.at(-1)!;
      assert.ok(last.type === 'COMPLETED' || last.type === 'FAILED', `${events.map((e) => e.type)}`);
      const jobNow = (await gql<{ trainingJob: { status: string; error: string | null; attempts: number } }>(TRAINING_JOB, { id: job.id })).data!
        .trainingJob;
      assert.equal(jobNow.status, last.type);
      const versions = await server.db.query<{ id: string }>(`SELECT id FROM model_versions WHERE lineage->>'trainingJobId' = $1`, [job.id]);
      const [{ n: versionsAfter }] = await server.db.query<{ n: string }>('SELECT count(*) AS n FROM model_versions');
      if (last.type === 'COMPLETED') {
        assert.equal(versions.length, 1, 'one version, created with the completion');
        assert.equal(Number(versionsAfter), Number(versionsBefore) + 1);
        assert.equal(jobNow.attempts, 2, 'the lost attempt counted');
      } else {
        assert.match(jobNow.error ?? '', /no model version was (created|stored)/);
        assert.equal(versions.length, 0);
        assert.equal(Number(versionsAfter), Number(versionsBefore));
      }
    } finally {
      await follower.close();
    }
  });
});
