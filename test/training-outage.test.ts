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
import { CANCEL_TRAINING, followJob, startJob } from './helpers/training.js';

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

  test('after Postgres restarts the job resumes with a new attempt or fails cleanly, and no half-written version appears', async () => {
    const gql = <D>(q: string, v?: Record<string, unknown>) => server.graphql<D>(q, v);
    const [{ n: versionsBefore }] = await server.db.query<{ n: string }>('SELECT count(*) AS n FROM model_versions');
    const job = await startJob(gql, { mnistLimit: 30_000, epochs: 2, batchSize: 32, augment: false, seed: 31 });
    const follower = await followJob(server.wsUrl, job.id);
    try {
      await follower.waitFor((e) => e.type === 'BATCH', 60_000);
      const port = Number(new URL(cluster.url).port);
      await cluster.stop();
      await sleep(5_000); // longer than the stale limit: the worker gives the run up
      cluster = await startCluster(port);

      // Either a new attempt starts (the job resumes) or the job fails; nothing in between may stick.
      const outcome = await follower
        .waitFor((e) => (e.type === 'STARTED' && e.seq > 2) || e.type === 'FAILED', 120_000)
        .catch(async (error: unknown) => {
          const rows = await server.db.query('SELECT status, attempts, error, worker_id, heartbeat_at, now() FROM training_jobs WHERE id = $1', [job.id]);
          const log = worker.lines.filter((l) => l.level >= 40).slice(-8).map((l) => l.msg.slice(0, 200));
          throw new Error(`${String(error)}; job ${JSON.stringify(rows)}; worker warnings ${JSON.stringify(log)}; worker exit ${worker.child.exitCode ?? worker.child.signalCode}; stderr ${worker.stderr.slice(0, 25).join('\n')}`);
        });
      if (outcome.type === 'STARTED') {
        const requeued = follower.events.find((e) => e.type === 'QUEUED' && e.seq > 1);
        assert.match(requeued?.error ?? '', /attempt 1 lost: .*re-queued/);
        const [row] = await server.db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM training_jobs WHERE id = $1', [job.id]);
        assert.deepEqual(row, { status: 'running', attempts: 2 });
        await gql(CANCEL_TRAINING, { id: job.id });
        assert.equal((await follower.done(60_000)).at(-1)?.type, 'CANCELLED');
      } else {
        assert.match(outcome.error ?? '', /no model version was (created|stored)/);
      }
      const versions = await server.db.query(`SELECT id FROM model_versions WHERE lineage->>'trainingJobId' = $1`, [job.id]);
      assert.equal(versions.length, 0, 'no version from the interrupted job');
      const [{ n: versionsAfter }] = await server.db.query<{ n: string }>('SELECT count(*) AS n FROM model_versions');
      assert.equal(versionsAfter, versionsBefore);
    } finally {
      await follower.close();
    }
  });
});
