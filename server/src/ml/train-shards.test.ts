import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend.js';
import { createModel } from './model.js';
import { exportArtifacts } from './artifacts.js';
import { ShardThreads } from './train-shards.js';
import { shardSizes, train, TrainingCancelledError, type TrainOptions } from './train.js';
import { trainInWorker } from './train.runner.js';

before(async () => {
  await initBackend();
});

const weightsOf = (model: tf.LayersModel): Float32Array[] => model.getWeights().map((w) => w.dataSync() as Float32Array);

const maxDifference = (a: Float32Array[], b: Float32Array[]): number => {
  assert.equal(a.length, b.length);
  let max = 0;
  a.forEach((values, i) => values.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i][j])))));
  return max;
};

test('shards cut a batch into near-equal parts of at least 16, and never more parts than threads', () => {
  assert.deepEqual(shardSizes(128, 2), [64, 64]);
  assert.deepEqual(shardSizes(129, 2), [64, 65]);
  assert.deepEqual(shardSizes(100, 3), [33, 33, 34]);
  assert.deepEqual(shardSizes(40, 4), [20, 20]);
  assert.deepEqual(shardSizes(10, 4), [10]);
  assert.deepEqual(shardSizes(128, 1), [128]);
  for (const [n, threads] of [[7, 2], [200, 16], [33, 5]]) {
    assert.equal(shardSizes(n, threads).reduce((a, b) => a + b, 0), n);
  }
});

// Without BatchNorm and dropout nothing depends on how a batch is cut, so
// averaging the shards' gradients must give the whole batch's step, weighted
// samples included; this is what checks the averaging and the weight sync.
test('without BatchNorm, two and three threads train the same weights as one', async () => {
  const extra = { images: new Float32Array(40 * 784).map((_, i) => ((i * 7919) % 97) / 97), labels: new Uint8Array(40).map((_, i) => i % 10), weight: 3 };
  const recipe: TrainOptions = {
    epochs: 2,
    batchSize: 100,
    learningRate: 0.01,
    mnistLimit: 560,
    seed: 3,
    augment: false,
    extraSamples: extra,
    model: { filters: [], dense: 0, dropout: 0 },
  };
  const one = await train({ ...recipe, threads: 1 });
  for (const threads of [2, 3]) {
    const many = await train({ ...recipe, threads });
    const difference = maxDifference(weightsOf(one.model), weightsOf(many.model));
    assert.ok(difference < 1e-5, `${threads} threads: weights differ by up to ${difference}`);
    assert.ok(Math.abs(one.history[1].loss - many.history[1].loss) < 1e-5, `${threads} threads: loss ${many.history[1].loss} against ${one.history[1].loss}`);
    assert.equal(many.history[1].accuracy, one.history[1].accuracy);
    many.model.dispose();
  }
  one.model.dispose();
});

test('the CNN trains on two threads as well as on one, repeats itself, and leaks no tensor', async () => {
  const recipe: TrainOptions = { epochs: 2, batchSize: 64, learningRate: 0.004, mnistLimit: 1280, seed: 9, augment: true };
  const before = tf.memory().numTensors;
  const losses = async (threads: number) => {
    const seen: number[] = [];
    const r = await train({ ...recipe, threads }, { onBatch: (b) => seen.push(b.loss) });
    const accuracy = r.history[1].accuracy;
    r.model.dispose();
    return { seen, accuracy };
  };
  const one = await losses(1);
  const two = await losses(2);
  const again = await losses(2);
  assert.deepEqual(again.seen, two.seen, 'the same seed and thread count repeat exactly');
  assert.notDeepEqual(two.seen, one.seen, 'BatchNorm sees each shard apart, so two threads are not one');
  assert.ok(two.accuracy > one.accuracy - 0.1, `two threads reached ${two.accuracy} against ${one.accuracy} on one`);
  assert.ok(two.seen.slice(-5).reduce((a, b) => a + b) < two.seen.slice(0, 5).reduce((a, b) => a + b) * 0.7, 'the loss falls');
  assert.equal(tf.memory().numTensors, before);
});

test('a training worker thread runs its own helper threads (how jobs and the CLI train)', async () => {
  const result = await trainInWorker({ epochs: 1, batchSize: 64, learningRate: 0.004, mnistLimit: 640, seed: 2, augment: false, threads: 2 });
  assert.equal(result.samples, 640);
  assert.equal(result.history.length, 1);
  assert.ok(result.history[0].loss < 2.3, `loss ${result.history[0].loss}`);
  assert.ok(result.artifacts.weights.byteLength > 0);
});

test('cancelling stops a data-parallel run within a batch and ends its helper threads', async () => {
  const controller = new AbortController();
  let seen = 0;
  await assert.rejects(
    train({ epochs: 3, batchSize: 64, learningRate: 0.004, mnistLimit: 1280, seed: 1, augment: false, threads: 2 }, {
      onBatch: (b) => {
        seen++;
        if (b.batch === 2) controller.abort();
      },
    }, controller.signal),
    TrainingCancelledError,
  );
  assert.equal(seen, 3);
});

test('a helper thread that fails fails its step and every later one, with a message that says so', async () => {
  const model = createModel({ filters: [8], dense: 0, dropout: 0 });
  const trainable = model.trainableWeights.length;
  const helpers = await ShardThreads.start(1, {
    artifacts: await exportArtifacts(model),
    backend: 'wasm',
    settings: { labelSmoothing: 0, weighted: false },
  });
  model.dispose();
  try {
    const shard = { x: new Float32Array(16 * 784), labels: new Int32Array(16), dropoutSeeds: [] };
    const [result] = await helpers.step([shard]);
    assert.equal(result.n, 16);
    assert.equal(result.grads.length, trainable);
    assert.ok(result.grads.every((g) => g.every(Number.isFinite)));
    // 16 labels for 15 images: the helper's tensor4d throws.
    const broken = { ...shard, x: new Float32Array(15 * 784) };
    await assert.rejects(helpers.step([broken]), /a training helper thread failed: .*should have 12544 values but has 11760/);
    await assert.rejects(helpers.step([shard]), /a training helper thread failed/);
  } finally {
    await helpers.dispose();
  }
});

test('train refuses a thread count outside 1 to 16', async () => {
  for (const threads of [0, 17, 1.5]) {
    await assert.rejects(
      train({ epochs: 1, batchSize: 8, learningRate: 0.01, mnistLimit: 16, seed: 1, augment: false, threads }),
      /expects threads to be an integer from 1 to 16/,
    );
  }
});
