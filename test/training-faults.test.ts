import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDataSource } from '../server/src/db/data-source.js';
import { EventBus } from '../server/src/events/bus.js';
import { ModelRegistryService } from '../server/src/services/model-registry.service.js';
import { ModelService } from '../server/src/services/model.service.js';
import { TrainingEventsService } from '../server/src/services/training-events.service.js';
import { TrainingRunService } from '../server/src/services/training-runs.service.js';
import { createLogger } from '../server/src/logger.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { startWorkerProcess, type ChildNode } from './helpers/processes.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { CANCEL_TRAINING, followJob, startJob, TRAINING_JOB } from './helpers/training.js';

// Short heartbeats so a killed worker is noticed in seconds, not the default 15 s.
const TIMING = { TRAINING_STALE_MS: '3000', TRAINING_HEARTBEAT_MS: '500', TRAINING_PROGRESS_MS: '100', EVAL_TEST_LIMIT: '500' };
// Big enough to be mid-run when the test strikes, even on a fast machine.
const JOB = { mnistLimit: 6000, epochs: 1, batchSize: 32, augment: false };
// Never finishes within a test: for runs that end by failure or cancellation.
const LONG_JOB = { mnistLimit: 30_000, epochs: 2, batchSize: 32, augment: false };

describe('training survives workers that die', () => {
  let server: TestServer;
  const workers: ChildNode[] = [];
  const gql = <D>(q: string, v?: Record<string, unknown>) => server.graphql<D>(q, v);
  const startWorker = async (name: string) => {
    const worker = await startWorkerProcess(name, { DATABASE_URL: server.db.url, ...TIMING });
    workers.push(worker);
    return worker;
  };
  const activeModelId = async () => (await gql<{ activeModel: { id: string } }>(`{ activeModel { id } }`)).data!.activeModel.id;
  const versionCount = async () => Number((await server.db.query<{ n: string }>('SELECT count(*) AS n FROM model_versions'))[0].n);
  const workerIdOf = (worker: ChildNode, jobId: string) =>
    worker.waitForLog((l) => l.msg === 'dataset snapshot taken' && l.trainingJobId === jobId, 30_000).then((l) => String(l.workerId));

  before(async () => {
    // The API runs no worker: every job here runs in a child process we can kill.
    server = await startTestServer({ config: { runWorker: false, trainingStaleMs: 3000, trainingHeartbeatMs: 500, evalTestLimit: 500 } });
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await server?.close();
    await assertNoOpenHandles();
  });

  test('re-queues the job of a worker killed mid-run; another worker completes it, once, and only then the model changes', async () => {
    const first = await startWorker('worker-1');
    const activeBefore = await activeModelId();
    const versionsBefore = await versionCount();
    const job = await startJob(gql, { ...JOB, seed: 11 });
    const follower = await followJob(server.wsUrl, job.id);
    try {
      await follower.waitFor((e) => e.type === 'BATCH', 60_000);
      const killedId = await workerIdOf(first, job.id);
      first.child.kill('SIGKILL');
      await first.exited;

      const second = await startWorker('worker-2');
      const requeued = await follower.waitFor((e) => e.type === 'QUEUED' && e.seq > 1, 20_000);
      assert.match(requeued.error ?? '', new RegExp(`attempt 1 lost: worker ${killedId} sent no heartbeat for \\d+(\\.\\d)?s .*re-queued`));
      assert.equal(await activeModelId(), activeBefore, 'the active model is untouched by the lost run');
      assert.equal(await versionCount(), versionsBefore, 'no partial version appeared');

      const events = await follower.done(120_000);
      const types = events.map((e) => e.type);
      assert.equal(types.at(-1), 'COMPLETED', `${types} ${events.at(-1)?.error ?? ''}`);
      assert.equal(types.filter((t) => t === 'STARTED').length, 2, 'one start per attempt');
      const jobNow = (await gql<{ trainingJob: { status: string; attempts: number; workerId: string; error: string | null } }>(TRAINING_JOB, { id: job.id }))
        .data!.trainingJob;
      assert.equal(jobNow.status, 'COMPLETED');
      assert.equal(jobNow.attempts, 2);
      assert.equal(jobNow.workerId, await workerIdOf(second, job.id));
      assert.notEqual(jobNow.workerId, killedId);
      assert.equal(await versionCount(), versionsBefore + 1, 'exactly one version for the job');
      const rows = await server.db.query(`SELECT id FROM model_versions WHERE lineage->>'trainingJobId' = $1`, [job.id]);
      assert.equal(rows.length, 1);
      // The task records COMPLETED before it returns; graphile-worker deletes its queue entry after
      // that, so on a busy machine the entry can still be there for a moment.
      const queued = async () => (await server.db.query(`SELECT 1 FROM graphile_worker.jobs WHERE key = $1`, [job.id])).length;
      const deadline = Date.now() + 10_000;
      while ((await queued()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await queued(), 0, 'the queue entry is gone within 10 s of COMPLETED');
    } finally {
      await follower.close();
    }
  });

  test('fails a job out of attempts when its worker is killed, with the reason and no version', async () => {
    const running = workers.find((w) => w.child.exitCode === null && w.child.signalCode === null);
    assert.ok(running, 'worker-2 from the previous test is still up');
    const activeBefore = await activeModelId();
    const versionsBefore = await versionCount();
    const job = await startJob(gql, { ...LONG_JOB, seed: 12 });
    await server.db.query('UPDATE training_jobs SET max_attempts = 1 WHERE id = $1', [job.id]);
    const follower = await followJob(server.wsUrl, job.id);
    try {
      await follower.waitFor((e) => e.type === 'BATCH', 60_000);
      running.child.kill('SIGKILL');
      await running.exited;
      await startWorker('worker-3'); // its sweeper notices the silent run
      const events = await follower.done(30_000);
      const last = events.at(-1)!;
      assert.equal(last.type, 'FAILED');
      assert.match(last.error ?? '', /attempt 1 lost: worker .* sent no heartbeat .*no attempts left, no model version was created/);
      assert.equal(await versionCount(), versionsBefore);
      assert.equal(await activeModelId(), activeBefore);
      const jobNow = (await gql<{ trainingJob: { status: string; error: string } }>(TRAINING_JOB, { id: job.id })).data!.trainingJob;
      assert.equal(jobNow.status, 'FAILED');
      assert.equal(jobNow.error, last.error);
    } finally {
      await follower.close();
    }
  });

  test('hands the job of a worker stopped gracefully (SIGTERM) back to the queue without costing an attempt', async () => {
    // Only the worker we stop may take the job.
    await Promise.all(workers.map((w) => w.stop()));
    const leaving = await startWorker('worker-4');
    const job = await startJob(gql, { ...LONG_JOB, seed: 13 });
    const follower = await followJob(server.wsUrl, job.id);
    try {
      await follower.waitFor((e) => e.type === 'BATCH', 60_000);
      await leaving.stop('SIGTERM');
      assert.equal((await leaving.exited).code, 0, 'a clean exit');
      const requeued = await follower.waitFor((e) => e.type === 'QUEUED' && e.seq > 1, 10_000);
      assert.match(requeued.error ?? '', /shut down during the run; re-queued/);
      const [row] = await server.db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM training_jobs WHERE id = $1', [job.id]);
      assert.deepEqual(row, { status: 'queued', attempts: 0 });
      const queue = await server.db.query<{ locked_by: string | null }>('SELECT locked_by FROM graphile_worker.jobs WHERE key = $1', [job.id]);
      assert.deepEqual(queue, [{ locked_by: null }], 'its queue entry waits, unlocked, for the next worker');
      const cancel = await gql<{ cancelTraining: { status: string } }>(CANCEL_TRAINING, { id: job.id });
      assert.equal(cancel.data?.cancelTraining.status, 'CANCELLED');
    } finally {
      await follower.close();
    }
  });

  test('lets exactly one of two workers racing for a job claim it', async () => {
    const dataSource = createDataSource(server.db.url);
    await dataSource.initialize();
    const bus = new EventBus(server.db.url);
    try {
      const models = new ModelService(dataSource, createLogger({ logLevel: 'silent', nodeEnv: 'test' }));
      const events = new TrainingEventsService(dataSource, bus);
      const runs = new TrainingRunService(dataSource, events, new ModelRegistryService(dataSource, models, bus), { staleAfterMs: 3000 });
      for (let round = 0; round < 5; round++) {
        const [{ id }] = await server.db.query<{ id: string }>(`INSERT INTO training_jobs (params) VALUES ('{"epochs":1}') RETURNING id`);
        const claims = await Promise.all([runs.claim(id, `racer-a-${round}`), runs.claim(id, `racer-b-${round}`)]);
        assert.deepEqual(claims.map((c) => c.kind).sort(), ['busy', 'claimed'], JSON.stringify(claims));
        const [row] = await server.db.query<{ attempts: number; worker_id: string }>('SELECT attempts, worker_id FROM training_jobs WHERE id = $1', [id]);
        assert.equal(row.attempts, 1);
        const winner = claims.find((c) => c.kind === 'claimed')!;
        assert.equal(winner.kind === 'claimed' && winner.job.workerId, row.worker_id);
        await runs.finish(id, row.worker_id, 'cancelled', 'test cleanup');
      }
    } finally {
      await bus.close();
      await dataSource.destroy();
    }
  });
});
