import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createDataSource } from '../server/src/db/data-source.js';
import { EventBus } from '../server/src/events/bus.js';
import { TrainingEventsService } from '../server/src/services/training-events.service.js';
import { subscribe } from './helpers/graphql-ws.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import {
  CANCEL_TRAINING,
  firstError,
  followJob,
  labelledPrediction,
  PROGRESS,
  startJob,
  TRAINING_JOB,
  type StartedJob,
  type TrainingEventResult,
} from './helpers/training.js';

const MODEL = /* GraphQL */ `
  query Model($id: ID!) {
    model(id: $id) {
      id version status testAccuracy userHoldoutAccuracy lineage recipe
      perClass { digit precision recall f1 support rocAuc averagePrecision }
      holdoutPerClass: perClass(split: USER_HOLDOUT) { digit support }
      confusionMatrix { split counts cells { actual predicted count mnistTestIndices predictionIds } }
      holdoutConfusion: confusionMatrix(split: USER_HOLDOUT) { counts cells { predictionIds } }
      rocCurves { digit rocAuc averagePrecision roc { fpr tpr threshold } pr { recall precision threshold } }
      calibration { split ece bins { lo hi count meanConfidence accuracy } }
      trainingCurve { epoch loss accuracy valLoss valAccuracy durationMs }
      promotion { promoted reason comparedWithId }
      trainingJob { id status }
    }
  }
`;

const MODEL_ACTIVATED = /* GraphQL */ `subscription { modelActivated { id version status } }`;

// A small real job: 2,000 MNIST digits, one epoch (a few seconds on one core),
// from fresh weights (the active version is the untrained test model).
const SMALL_JOB = { mnistLimit: 2000, epochs: 1, batchSize: 64, seed: 3, augment: false, warmStart: false };

describe('retraining over GraphQL', () => {
  let server: TestServer;
  const gql = <D>(q: string, v?: Record<string, unknown>) => server.graphql<D>(q, v);

  before(async () => {
    server = await startTestServer({ config: { evalTestLimit: 1000, trainingProgressMs: 100 } });
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('refuses out-of-range parameters with BAD_USER_INPUT naming the field and its range', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ epochs: 0 }, 'input.epochs', /epochs must be an integer from 1 to 50, got 0/],
      [{ batchSize: 4096 }, 'input.batchSize', /batchSize must be an integer from 8 to 1024/],
      [{ learningRate: 2 }, 'input.learningRate', /learningRate must be a number from 0.00001 to 1|learningRate must be a number from 1e-5 to 1/],
      [{ mnistLimit: -1 }, 'input.mnistLimit', /mnistLimit must be an integer from 0 to 60000/],
      [{ userSampleWeight: 101 }, 'input.userSampleWeight', /userSampleWeight must be a number from 0 to 100/],
      [{ seed: -5 }, 'input.seed', /seed must be an integer from 0 to 2147483647/],
    ];
    for (const [input, field, message] of cases) {
      const response = await gql(`mutation($input: TrainingInput) { startTraining(input: $input) { id } }`, { input });
      const error = firstError(response);
      assert.equal(error.code, 'BAD_USER_INPUT', JSON.stringify(input));
      assert.equal(error.field, field);
      assert.match(error.message, message);
    }
    const [{ count }] = await server.db.query<{ count: string }>('SELECT count(*) FROM training_jobs');
    assert.equal(count, '0', 'no job was stored');
  });

  test('refuses a job with nothing to train on with EMPTY_DATASET', async () => {
    const noData = firstError(await gql(`mutation { startTraining(input: { mnistLimit: 0 }) { id } }`));
    assert.equal(noData.code, 'EMPTY_DATASET');
    assert.match(noData.message, /no drawing is labelled yet/);
    const userDataOff = firstError(await gql(`mutation { startTraining(input: { mnistLimit: 0, includeUserData: false }) { id } }`));
    assert.equal(userDataOff.code, 'EMPTY_DATASET');
    assert.match(userDataOff.message, /user data is off/);
  });

  test('answers NOT_FOUND for an unknown job id, over HTTP and WebSocket', async () => {
    const id = randomUUID();
    assert.equal(firstError(await gql(`query($id: ID!) { trainingJob(id: $id) { id } }`, { id })).code, 'NOT_FOUND');
    assert.equal(firstError(await gql(CANCEL_TRAINING, { id })).code, 'NOT_FOUND');
    assert.equal(firstError(await gql(`query { trainingJob(id: "not-a-uuid") { id } }`)).code, 'NOT_FOUND');
    assert.equal(firstError(await gql(`query($id: ID!) { model(id: $id) { id } }`, { id })).code, 'NOT_FOUND');
    assert.equal(firstError(await gql(`mutation($id: ID!) { activateModel(id: $id) { id } }`, { id })).code, 'NOT_FOUND');
    const subscription = await subscribe(server.wsUrl, PROGRESS, { variables: { jobId: id } });
    try {
      const result = await subscription.next();
      assert.equal(result.errors?.[0]?.extensions?.code, 'NOT_FOUND', JSON.stringify(result));
    } finally {
      await subscription.close();
    }
  });

  let trained: { job: StartedJob; events: TrainingEventResult[]; labelled: { id: string; label: number }[] };

  test('trains a small real job started over GraphQL, streams its progress and stores a version with every metric', async () => {
    // Labelled drawings just before the job: they must be in its snapshot.
    const labelled: Array<{ id: string; label: number }> = [];
    for (let i = 0; i < 12; i++) labelled.push(await labelledPrediction((q, v, o) => server.graphql(q, v, o), i));
    const activations = await subscribe<{ modelActivated: { id: string; version: number; status: string } }>(server.wsUrl, MODEL_ACTIVATED);
    try {
      const job = await startJob(gql, SMALL_JOB);
      assert.equal(job.status, 'QUEUED');
      assert.equal(job.params.mnistLimit, 2000);
      assert.equal(job.params.includeUserData, true, 'defaults applied');
      const follower = await followJob(server.wsUrl, job.id);
      const events = await follower.done(120_000);
      await follower.close();

      const types = events.map((e) => e.type);
      assert.equal(types[0], 'QUEUED');
      assert.ok(types.includes('STARTED'), `STARTED in ${types}`);
      assert.ok(types.includes('BATCH'), `BATCH in ${types}`);
      assert.equal(types.filter((t) => t === 'EPOCH').length, 1);
      assert.deepEqual(types.slice(-2), ['EVALUATING', 'COMPLETED'], events.at(-1)?.error ?? '');
      assert.deepEqual(events.map((e) => e.seq), [...events.keys()].map((i) => events[0].seq + i), 'seq has no gaps');
      const batch = events.find((e) => e.type === 'BATCH')!;
      assert.ok(batch.loss! > 0 && batch.progress! > 0 && batch.progress! <= 1 && batch.samplesPerSec! > 0, JSON.stringify(batch));
      assert.ok(batch.batches! >= 31 && batch.batches! <= 32, `${batch.batches} batches of 64 for 2,000 digits plus a few drawings`);
      const epoch = events.find((e) => e.type === 'EPOCH')!;
      assert.equal(epoch.perClass?.length, 10);
      assert.ok(epoch.valAccuracy !== null && epoch.valLoss !== null);
      const completed = events.at(-1)!;
      assert.ok(completed.modelVersion, 'COMPLETED names the new version');
      assert.equal(completed.activated, true, 'beats the untrained default, so it is promoted');

      const jobNow = (await gql<{ trainingJob: Record<string, any> }>(TRAINING_JOB, { id: job.id })).data!.trainingJob;
      assert.equal(jobNow.status, 'COMPLETED');
      assert.equal(jobNow.modelVersion.id, completed.modelVersion.id);
      assert.equal(jobNow.epochs.length, 1);
      const lineage = jobNow.lineage;
      assert.equal(lineage.mnistTrain, 2000);
      assert.equal(lineage.userSamples, 12, 'every labelled drawing is in the snapshot');
      assert.equal(lineage.userTrain + lineage.userHoldout, 12);
      assert.equal(lineage.perClass.reduce((s: number, c: { mnist: number }) => s + c.mnist, 0), 2000);
      const newest = labelled.at(-1)!;
      assert.equal(lineage.newestUserSample.id, newest.id, 'the drawing labelled last, just before the job');

      const model = (await gql<{ model: Record<string, any> }>(MODEL, { id: completed.modelVersion.id })).data!.model;
      assert.equal(model.status, 'ACTIVE');
      assert.ok(model.testAccuracy > 0.5, `test accuracy ${model.testAccuracy}`);
      assert.equal(model.perClass.length, 10);
      assert.equal(model.perClass.reduce((s: number, c: { support: number }) => s + c.support, 0), 1000);
      const counts: number[][] = model.confusionMatrix.counts;
      assert.equal(counts.length, 10);
      assert.equal(counts.flat().reduce((a, b) => a + b, 0), 1000);
      for (const cell of model.confusionMatrix.cells) {
        assert.notEqual(cell.actual, cell.predicted);
        assert.ok(cell.mnistTestIndices.length > 0 && cell.mnistTestIndices.length <= Math.min(8, cell.count));
      }
      assert.equal(model.rocCurves.length, 10);
      assert.ok(model.rocCurves.every((c: { rocAuc: number; roc: unknown[] }) => c.rocAuc > 0.5 && c.roc.length > 2));
      assert.equal(model.calibration.bins.length, 10);
      assert.ok(model.calibration.ece >= 0 && model.calibration.ece <= 1);
      assert.equal(model.trainingCurve.length, 1);
      assert.equal(model.promotion.promoted, true);
      assert.equal(model.trainingJob.id, job.id);
      assert.equal(model.lineage.trainingJobId, job.id);
      if (lineage.userHoldout > 0) {
        assert.equal(typeof model.userHoldoutAccuracy, 'number');
        assert.equal(model.holdoutPerClass.reduce((s: number, c: { support: number }) => s + c.support, 0), lineage.userHoldout);
        const ids = model.holdoutConfusion.cells.flatMap((c: { predictionIds: string[] }) => c.predictionIds);
        assert.ok(ids.every((id: string) => labelled.some((l) => l.id === id)));
      }

      const activated = await activations.next(10_000);
      assert.equal(activated.data?.modelActivated.id, completed.modelVersion.id);
      const active = await gql<{ activeModel: { id: string } }>(`{ activeModel { id } }`);
      assert.equal(active.data!.activeModel.id, completed.modelVersion.id, 'classify now answers with the new version');
      trained = { job, events, labelled };
    } finally {
      await activations.close();
    }
  });

  test('gives a late subscriber the history, then completes', async () => {
    assert.ok(trained, 'needs the trained job');
    const follower = await followJob(server.wsUrl, trained.job.id);
    const events = await follower.done(10_000);
    await follower.close();
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'QUEUED');
    assert.deepEqual(types.slice(-2), ['EVALUATING', 'COMPLETED']);
    assert.ok(!types.includes('BATCH'), 'superseded BATCH ticks are left out');
    assert.deepEqual(
      events.map((e) => e.seq),
      trained.events.filter((e) => e.type !== 'BATCH').map((e) => e.seq),
    );
  });

  test('answers CONFLICT when cancelling a finished job', async () => {
    assert.ok(trained, 'needs the trained job');
    const error = firstError(await gql(CANCEL_TRAINING, { id: trained.job.id }));
    assert.equal(error.code, 'CONFLICT');
    assert.match(error.message, /already completed/);
  });

  test('warm-starts by default from the active version, records it in the lineage and recipe, and stores a version', async () => {
    assert.ok(trained, 'needs the trained job');
    const base = (await gql<{ activeModel: { id: string; testAccuracy: number } }>(`{ activeModel { id testAccuracy } }`)).data!.activeModel;
    const job = await startJob(gql, { mnistLimit: 1000, batchSize: 64, seed: 4 });
    assert.equal(job.params.warmStart, true, 'warm start is the default while a version is active');
    assert.equal(job.params.epochs, 1, 'with the fine-tuning defaults');
    assert.equal(job.params.learningRate, 5e-4);
    const follower = await followJob(server.wsUrl, job.id);
    const events = await follower.done(120_000);
    await follower.close();
    assert.equal(events.at(-1)?.type, 'COMPLETED', events.at(-1)?.error ?? '');
    const first = events.find((e) => e.type === 'BATCH')!;
    assert.equal(first.batch, 1);
    assert.ok(first.accuracy! > 0.5, `the first batch already scores ${first.accuracy} (a fresh model scores about 0.1)`);

    const lineageOf = async (id: string) =>
      (await gql<{ trainingJob: { lineage: { warmStartFrom: string | null; baseModelVersionId: string } } }>(
        `query($id: ID!) { trainingJob(id: $id) { lineage { warmStartFrom baseModelVersionId } } }`,
        { id },
      )).data!.trainingJob.lineage;
    assert.deepEqual(await lineageOf(job.id), { warmStartFrom: base.id, baseModelVersionId: base.id });
    assert.equal((await lineageOf(trained.job.id)).warmStartFrom, null, 'the from-scratch job records no warm start');
    const version = events.at(-1)!.modelVersion!;
    const model = (await gql<{ model: { recipe: Record<string, unknown>; lineage: Record<string, unknown>; testAccuracy: number } }>(MODEL, { id: version.id }))
      .data!.model;
    assert.equal(model.recipe.warmStartFrom, base.id);
    assert.equal(model.recipe.warmStart, true);
    assert.equal(model.lineage.warmStartFrom, base.id);
    assert.ok(model.testAccuracy > base.testAccuracy - 0.05, `test accuracy ${model.testAccuracy} against the base's ${base.testAccuracy}`);
  });

  test('rolls back to the previous version with activateModel, and every subscriber hears it', async () => {
    assert.ok(trained, 'needs the trained job');
    const versions = (await gql<{ models: Array<{ id: string; version: number; status: string }> }>(`{ models { id version status } }`)).data!
      .models;
    const first = versions.find((v) => v.version === 1)!;
    assert.equal(first.status, 'RETIRED');
    // The earlier tests' promotion reloads the model in the background: wait until this
    // instance answers with the active version, so its announcement is not taken for ours.
    const active = versions.find((v) => v.status === 'ACTIVE')!;
    const deadline = Date.now() + 15_000;
    const answering = async () => ((await (await fetch(`${server.url}/healthz`)).json()) as { model?: number }).model;
    while ((await answering()) !== active.version && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await answering(), active.version, 'the server switched to the promoted version');
    const activations = await subscribe<{ modelActivated: { id: string; version: number; status: string } }>(server.wsUrl, MODEL_ACTIVATED);
    try {
      const response = await gql<{ activateModel: { id: string; status: string } }>(`mutation($id: ID!) { activateModel(id: $id) { id status } }`, {
        id: first.id,
      });
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      assert.equal(response.data!.activateModel.status, 'ACTIVE');
      const event = await activations.next(10_000);
      assert.deepEqual(event.data?.modelActivated, { id: first.id, version: 1, status: 'ACTIVE' });
      const [{ count }] = await server.db.query<{ count: string }>(`SELECT count(*) FROM model_versions WHERE status = 'active'`);
      assert.equal(count, '1');
    } finally {
      await activations.close();
    }
  });

  test('cancels a running job within one batch, storing no version', async () => {
    const before = await server.db.query<{ count: string }>('SELECT count(*) FROM model_versions');
    const job = await startJob(gql, { mnistLimit: 20_000, epochs: 2, batchSize: 32, seed: 5 });
    const follower = await followJob(server.wsUrl, job.id);
    try {
      const batch = await follower.waitFor((e) => e.type === 'BATCH', 60_000);
      const cancel = await gql<{ cancelTraining: { status: string; cancelRequested: boolean } }>(CANCEL_TRAINING, { id: job.id });
      assert.equal(cancel.errors, undefined, JSON.stringify(cancel.errors));
      assert.equal(cancel.data!.cancelTraining.cancelRequested, true);
      const events = await follower.done(30_000);
      const last = events.at(-1)!;
      assert.equal(last.type, 'CANCELLED');
      assert.match(last.error ?? '', /cancelled on request during epoch 1/);
      const batchesAfter = events.filter((e) => e.type === 'BATCH' && e.seq > batch.seq);
      assert.ok(batchesAfter.length <= 20, `stopped promptly (${batchesAfter.length} ticks after the first)`);
      const after = await server.db.query<{ count: string }>('SELECT count(*) FROM model_versions');
      assert.deepEqual(after, before, 'no version was stored');
      const jobNow = (await gql<{ trainingJob: { status: string; modelVersion: unknown } }>(TRAINING_JOB, { id: job.id })).data!.trainingJob;
      assert.equal(jobNow.status, 'CANCELLED');
      assert.equal(jobNow.modelVersion, null);
    } finally {
      await follower.close();
    }
  });

  test('delivers an event too big for a NOTIFY payload by reading it from the table', async () => {
    // A job row outside the queue, so only this test writes its events.
    const [{ id }] = await server.db.query<{ id: string }>(`INSERT INTO training_jobs (params) VALUES ('{}') RETURNING id`);
    const follower = await followJob(server.wsUrl, id);
    const dataSource = createDataSource(server.db.url);
    await dataSource.initialize();
    const bus = new EventBus(server.db.url);
    try {
      const events = new TrainingEventsService(dataSource, bus);
      await events.append(id, { type: 'STARTED', epoch: 0, epochs: 1 });
      const error = `a long reason: ${'x'.repeat(9000)}`;
      await events.append(id, { type: 'FAILED', error });
      const received = await follower.done(10_000);
      assert.deepEqual(received.map((e) => e.type), ['STARTED', 'FAILED']);
      assert.equal(received[1].error, error, 'the whole 9 kB event arrived');
    } finally {
      await follower.close();
      await bus.close();
      await dataSource.destroy();
    }
  });

  test('cancels a queued job at once', async () => {
    // Occupy the single worker, then queue a second job behind it.
    const busy = await startJob(gql, { mnistLimit: 20_000, epochs: 1, seed: 6 });
    const busyFollower = await followJob(server.wsUrl, busy.id);
    try {
      await busyFollower.waitFor((e) => e.type === 'STARTED', 30_000);
      const queued = await startJob(gql, SMALL_JOB);
      const cancel = await gql<{ cancelTraining: { status: string; error: string } }>(CANCEL_TRAINING, { id: queued.id });
      assert.equal(cancel.data!.cancelTraining.status, 'CANCELLED');
      assert.match(cancel.data!.cancelTraining.error, /before it started/);
      const queue = await server.db.query(`SELECT 1 FROM graphile_worker.jobs WHERE key = $1`, [queued.id]);
      assert.equal(queue.length, 0, 'its queue entry is gone');
    } finally {
      await gql(CANCEL_TRAINING, { id: busy.id });
      await busyFollower.done(30_000).catch(() => undefined);
      await busyFollower.close();
    }
  });
});
