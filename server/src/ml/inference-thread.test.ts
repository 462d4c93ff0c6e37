import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { exportArtifacts, type ModelArtifacts } from './artifacts.js';
import { initBackend } from './backend.js';
import { Classifier, ClassifierDisposedError } from './classifier.js';
import { InferenceThread } from './inference-thread.js';
import { loadMnist, PIXELS } from './mnist.js';
import { createModel } from './model.js';

let artifacts: ModelArtifacts;
const digits = loadMnist('test', 64).images;
const image = (i: number): Float32Array => digits.slice(i * PIXELS, (i + 1) * PIXELS);
/** The thread's worker, which only a crash would end from outside. */
const workerOf = async (thread: InferenceThread) => (await (thread as unknown as { running: Promise<{ worker: Worker }> }).running).worker;

before(async () => {
  await initBackend();
  const model = createModel({ seed: 5 });
  artifacts = await exportArtifacts(model);
  model.dispose();
});

test('answers what the same model answers in this thread, for concurrent calls too', async () => {
  const local = await Classifier.fromArtifacts(artifacts);
  const thread = await InferenceThread.start(artifacts);
  try {
    const expected = local.predictBatch(digits);
    const answers = await Promise.all(Array.from({ length: 64 }, (_, i) => thread.predict(image(i))));
    answers.forEach((probabilities, i) => {
      assert.equal(probabilities.length, 10);
      for (let c = 0; c < 10; c++) assert.ok(Math.abs(probabilities[c] - expected[i * 10 + c]) < 1e-5, `image ${i} class ${c}`);
    });
    // One at a time gives the same as in a batch.
    const alone = await thread.predict(image(3));
    for (let c = 0; c < 10; c++) assert.ok(Math.abs(alone[c] - expected[30 + c]) < 1e-5);
  } finally {
    local.dispose();
    thread.dispose();
  }
});

test('reports the tensors alive in the thread, which stay flat over 500 predictions', async () => {
  const thread = await InferenceThread.start(artifacts);
  try {
    await thread.predict(image(0));
    const before = thread.memory.numTensors;
    assert.ok(before > 0, 'the loaded model holds tensors');
    for (let round = 0; round < 10; round++) await Promise.all(Array.from({ length: 50 }, (_, i) => thread.predict(image(i))));
    assert.equal(thread.memory.numTensors, before);
  } finally {
    thread.dispose();
  }
});

test('refuses an image of the wrong size without disturbing the others', async () => {
  const thread = await InferenceThread.start(artifacts);
  try {
    await assert.rejects(thread.predict(new Float32Array(10)), /784 pixels/);
    assert.equal((await thread.predict(image(1))).length, 10);
  } finally {
    thread.dispose();
  }
});

test('a thread that dies fails only the batch it was running, and a new one answers the next calls', async () => {
  const restarts: Error[] = [];
  const thread = await InferenceThread.start(artifacts, { onRestart: (error) => restarts.push(error) });
  try {
    const first = await workerOf(thread);
    const lost = thread.predict(image(0));
    await new Promise((resolve) => setImmediate(resolve));
    await first.terminate();
    await assert.rejects(lost, /inference thread exited/);
    assert.equal(restarts.length, 1);
    assert.equal((await thread.predict(image(2))).length, 10);
    assert.notEqual(await workerOf(thread), first);
  } finally {
    thread.dispose();
  }
});

test('dispose rejects what waits and ends the thread', async () => {
  const thread = await InferenceThread.start(artifacts);
  const worker = await workerOf(thread);
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  const waiting = thread.predict(image(0));
  thread.dispose();
  await assert.rejects(waiting, ClassifierDisposedError);
  await assert.rejects(thread.predict(image(0)), ClassifierDisposedError);
  await exited;
});

test('a model the thread cannot load fails start() with its reason', async () => {
  const broken: ModelArtifacts = { ...artifacts, weights: new Uint8Array(8) };
  await assert.rejects(InferenceThread.start(broken), /could not load the model/);
});
