import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadModelFromArtifacts } from './artifacts.js';
import { initBackend } from './backend.js';
import { predictProbabilities } from './classifier.js';
import { loadMnist } from './mnist.js';
import { TrainingCancelledError } from './train.js';
import { trainInWorker } from './train.runner.js';

test('trains in a worker thread, reports progress and hands back a loadable model', async () => {
  const epochs: number[] = [];
  let batches = 0;
  const result = await trainInWorker(
    { epochs: 2, batchSize: 50, learningRate: 0.004, mnistLimit: 1000, seed: 3, augment: false, evaluateTest: false },
    { onBatch: () => batches++, onEpochEnd: (e) => epochs.push(e.epoch) },
    undefined,
    { batchIntervalMs: 0 },
  );
  assert.deepEqual(epochs, [1, 2]);
  assert.equal(batches, 40);
  assert.equal(result.backend, 'wasm');
  assert.equal(result.history.length, 2);
  assert.ok(result.artifacts.weights.byteLength > 100_000);
  await initBackend();
  const before = tf.memory().numTensors;
  const model = await loadModelFromArtifacts(result.artifacts);
  const test = loadMnist('test', 200);
  const probs = predictProbabilities(model, test.images);
  let right = 0;
  for (let i = 0; i < 200; i++) if (probs.subarray(i * 10, i * 10 + 10).indexOf(Math.max(...probs.subarray(i * 10, i * 10 + 10))) === test.labels[i]) right++;
  assert.ok(right > 150, `${right} of 200 right after 2 short epochs`);
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('cancels a worker run through the abort signal', async () => {
  const controller = new AbortController();
  let batches = 0;
  await assert.rejects(
    trainInWorker(
      { epochs: 50, batchSize: 50, learningRate: 0.004, mnistLimit: 1000, seed: 3, augment: true },
      {
        onBatch: () => {
          if (++batches === 3) controller.abort();
        },
      },
      controller.signal,
      { batchIntervalMs: 0 },
    ),
    TrainingCancelledError,
  );
});

test('reports a bad option as an error from the worker', async () => {
  await assert.rejects(
    trainInWorker({ epochs: 1, batchSize: 1, learningRate: 0.004, mnistLimit: 100, seed: 1, augment: false }),
    /batchSize to be an integer from 2 to 4096, got 1/,
  );
});
