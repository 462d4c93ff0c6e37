import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withTestDatabase, type TestDatabase } from './helpers/database.js';
import { CLASSIFY, onePixels } from './helpers/drawings.js';
import { graphql } from './helpers/graphql.js';
import { subscribe, type TestSubscription } from './helpers/graphql-ws.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { createUntrainedModelDir, type TestModelDir } from './helpers/model.js';
import { startApiProcess, startWorkerProcess, type ChildNode } from './helpers/processes.js';
import { followJob, startJob, TRAINING_JOB } from './helpers/training.js';

type Api = ChildNode & { url: string; wsUrl: string };
type Activated = { modelActivated: { id: string; version: number; status: string } };

const MODEL_ACTIVATED = /* GraphQL */ `subscription { modelActivated { id version status } }`;

describe('two API processes and two worker processes on one database', () => {
  let db: TestDatabase;
  let modelDir: TestModelDir;
  let apiA: Api;
  let apiB: Api;
  const nodes: ChildNode[] = [];

  before(async () => {
    db = await withTestDatabase();
    modelDir = await createUntrainedModelDir();
    const env = { DATABASE_URL: db.url, DEFAULT_MODEL_DIR: modelDir.dir, RUN_WORKER: 'false', TRAINING_PROGRESS_MS: '100' };
    // One after the other: the first runs the migrations.
    apiA = await startApiProcess('api-a', env);
    nodes.push(apiA);
    apiB = await startApiProcess('api-b', env);
    nodes.push(apiB);
    const workerEnv = { DATABASE_URL: db.url, EVAL_TEST_LIMIT: '500', TRAINING_PROGRESS_MS: '100' };
    nodes.push(...(await Promise.all([startWorkerProcess('worker-1', workerEnv), startWorkerProcess('worker-2', workerEnv)])));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await db?.close();
    await modelDir?.remove();
    await assertNoOpenHandles();
  });

  test('a subscriber on one API follows jobs started through the other, each run once by a different worker', async () => {
    const gqlA = <D>(q: string, v?: Record<string, unknown>) => graphql<D>(apiA.url, q, v);
    const jobs = [
      await startJob(gqlA, { mnistLimit: 1000, epochs: 1, batchSize: 64, seed: 21, augment: false }),
      await startJob(gqlA, { mnistLimit: 1000, epochs: 1, batchSize: 64, seed: 22, augment: false }),
    ];
    const followers = await Promise.all(jobs.map((job) => followJob(apiB.wsUrl, job.id)));
    try {
      const histories = await Promise.all(followers.map((f) => f.done(180_000)));
      for (const events of histories) {
        const types = events.map((e) => e.type);
        assert.equal(types.at(-1), 'COMPLETED', `${types} ${events.at(-1)?.error ?? ''}`);
        assert.equal(types.filter((t) => t === 'STARTED').length, 1, 'run once');
        assert.ok(types.includes('BATCH') && types.includes('EPOCH'), `live progress crossed processes: ${types}`);
      }
      const rows = await db.query<{ attempts: number; worker_id: string }>(
        'SELECT attempts, worker_id FROM training_jobs WHERE id = ANY($1) ORDER BY created_at',
        [jobs.map((j) => j.id)],
      );
      assert.deepEqual(rows.map((r) => r.attempts), [1, 1]);
      assert.notEqual(rows[0].worker_id, rows[1].worker_id, 'the two workers took one job each');
      const status = await graphql<{ trainingJob: { status: string } }>(apiB.url, TRAINING_JOB, { id: jobs[1].id });
      assert.equal(status.data?.trainingJob.status, 'COMPLETED');
    } finally {
      await Promise.all(followers.map((f) => f.close()));
    }
  });

  test('activating a model through one API switches both, and each announces it', async () => {
    const versions = (await graphql<{ models: Array<{ id: string; version: number; status: string }> }>(apiA.url, `{ models { id version status } }`)).data!
      .models;
    assert.ok(versions.length >= 2, 'the trained versions exist');
    const target = versions.find((v) => v.status !== 'ACTIVE')!;
    const subscriptions: TestSubscription<Activated>[] = await Promise.all([
      subscribe<Activated>(apiA.wsUrl, MODEL_ACTIVATED),
      subscribe<Activated>(apiB.wsUrl, MODEL_ACTIVATED),
    ]);
    try {
      const response = await graphql<{ activateModel: { id: string } }>(apiA.url, `mutation($id: ID!) { activateModel(id: $id) { id } }`, {
        id: target.id,
      });
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      for (const subscription of subscriptions) {
        const event = await subscription.next(15_000);
        assert.equal(event.data?.modelActivated.id, target.id);
        assert.equal(event.data?.modelActivated.status, 'ACTIVE');
      }
      for (const api of [apiA, apiB]) {
        const classified = await graphql<{ classify: { model: { id: string } } }>(api.url, CLASSIFY, { input: { pixels: onePixels() } });
        assert.equal(classified.errors, undefined, JSON.stringify(classified.errors));
        assert.equal(classified.data!.classify.model.id, target.id, `${api.name} answers with the activated version`);
      }
    } finally {
      await Promise.all(subscriptions.map((s) => s.close()));
    }
  });
});
