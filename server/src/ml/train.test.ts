import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { readArtifactsDir } from './artifacts.js';
import { initBackend } from './backend.js';
import { loadMnist, PIXELS } from './mnist.js';
import { learningRateAt, train, TrainingCancelledError, type BatchProgress, type TrainOptions } from './train.js';

before(async () => {
  await initBackend();
});

const tiny: TrainOptions = { epochs: 2, batchSize: 50, learningRate: 0.004, mnistLimit: 1000, seed: 1, augment: true, warmupFraction: 0.05 };

test('a short run on 1,000 digits lowers the loss and leaks no tensor', async () => {
  const batches: BatchProgress[] = [];
  const before = tf.memory().numTensors;
  const validation = loadMnist('test', 500);
  const result = await train({ ...tiny, validation: { images: validation.images, labels: validation.labels } }, { onBatch: (b) => batches.push(b) });
  assert.equal(batches.length, 2 * 20);
  const first = batches.slice(0, 5).reduce((s, b) => s + b.loss, 0) / 5;
  const last = batches.slice(-5).reduce((s, b) => s + b.loss, 0) / 5;
  assert.ok(last < first * 0.7, `loss went from ${first.toFixed(3)} to ${last.toFixed(3)}`);
  assert.equal(result.history.length, 2);
  const epoch = result.history[1];
  assert.ok(epoch.valAccuracy! > 0.6, `validation accuracy ${epoch.valAccuracy}`);
  assert.equal(epoch.perClassValAccuracy!.length, 10);
  assert.equal(epoch.perClassMeanConfidence!.length, 10);
  assert.equal(epoch.etaSeconds, 0);
  assert.equal(result.samples, 1000);
  assert.ok(result.samplesPerSec > 0);
  result.model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('the same seed gives the same losses; another seed does not', async () => {
  const run = async (seed: number) => {
    const losses: number[] = [];
    const r = await train({ ...tiny, epochs: 1, mnistLimit: 300, seed }, { onBatch: (b) => losses.push(b.loss) });
    r.model.dispose();
    return losses;
  };
  const a = await run(5);
  const b = await run(5);
  const c = await run(6);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('stops within one batch of the abort signal and frees everything', async () => {
  const before = tf.memory().numTensors;
  const controller = new AbortController();
  let seen = 0;
  await assert.rejects(
    train({ ...tiny, epochs: 5 }, {
      onBatch: (b) => {
        seen++;
        if (b.batch === 3) controller.abort();
      },
    }, controller.signal),
    TrainingCancelledError,
  );
  assert.equal(seen, 4);
  assert.equal(tf.memory().numTensors, before);
});

test('weights user samples in the loss and rejects malformed ones', async () => {
  const images = loadMnist('test', 64).images.slice();
  const labels = loadMnist('test', 64).labels.slice();
  const r = await train({ ...tiny, epochs: 1, mnistLimit: 100, extraSamples: { images, labels, weight: 3 } });
  assert.equal(r.samples, 164);
  r.model.dispose();
  await assert.rejects(
    train({ ...tiny, extraSamples: { images: new Float32Array(PIXELS), labels: new Uint8Array([1, 2]) } }),
    /extraSamples.images to hold 2 × 784 pixels/,
  );
  await assert.rejects(train({ ...tiny, epochs: 0 }), /epochs to be an integer from 1 to 1000, got 0/);
  await assert.rejects(train({ ...tiny, mnistLimit: 0 }), /at least 2 training samples/);
});

test('warms the learning rate up to its peak, then anneals it', () => {
  assert.ok(Math.abs(learningRateAt(0, 100, 1, 0.1) - 0.1) < 1e-12);
  assert.equal(learningRateAt(10, 100, 1, 0.1), 1);
  assert.ok(learningRateAt(55, 100, 1, 0.1) < 0.6 && learningRateAt(55, 100, 1, 0.1) > 0.4);
  assert.ok(Math.abs(learningRateAt(100, 100, 1, 0.1) - 0.001) < 1e-12);
});

test('a warm start begins at the given model\'s accuracy, not at chance', async () => {
  // The committed default model (99.55% on MNIST test), from server/dist/server/src/ml/.
  const { artifacts } = await readArtifactsDir(fileURLToPath(new URL('../../../../../data/model/', import.meta.url)));
  const weightsBefore = artifacts.weights.slice();
  const firstBatch = async (initialModel?: typeof artifacts) => {
    const batches: BatchProgress[] = [];
    const before = tf.memory().numTensors;
    const r = await train({ ...tiny, epochs: 1, mnistLimit: 200, augment: false, learningRate: 5e-4, initialModel }, { onBatch: (b) => batches.push(b) });
    r.model.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
    return batches[0];
  };
  const warm = await firstBatch(artifacts);
  const fresh = await firstBatch();
  assert.ok(warm.accuracy >= 0.96, `first-batch accuracy of the warm start ${warm.accuracy}`);
  assert.ok(fresh.accuracy < 0.5, `first-batch accuracy from scratch ${fresh.accuracy}`);
  assert.ok(warm.loss < fresh.loss / 4, `first-batch loss ${warm.loss.toFixed(3)} warm vs ${fresh.loss.toFixed(3)} fresh`);
  assert.deepEqual(artifacts.weights, weightsBefore, 'the given weights are not changed in place');
  await assert.rejects(
    train({ ...tiny, initialModel: { ...artifacts, weights: artifacts.weights.subarray(4) } }),
    /initialModel: weights are \d+ bytes but the manifest describes/,
  );
});
