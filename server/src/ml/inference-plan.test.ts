import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadModelFromArtifacts, readArtifactsDir } from './artifacts.js';
import { initBackend } from './backend.js';
import { predictProbabilities } from './classifier.js';
import { compileInferencePlan, type InferencePlan } from './inference-plan.js';
import { loadMnist, PIXELS } from './mnist.js';
import { createModel } from './model.js';

// server/dist/server/src/ml/ -> repository root
const MODEL_DIR = fileURLToPath(new URL('../../../../../data/model/', import.meta.url));

before(async () => {
  await initBackend();
});

const digits = loadMnist('test', 1000).images;

function compiled(model: tf.LayersModel): InferencePlan {
  const result = compileInferencePlan(model);
  assert.ok('plan' in result, `expected a plan, got: ${'reason' in result ? result.reason : ''}`);
  return result.plan;
}

/** Largest difference between the plan and model.predict over `images`, run `chunk` at a time; asserts equal argmax. */
function compare(model: tf.LayersModel, plan: InferencePlan, images: Float32Array, chunk: number): number {
  const expected = predictProbabilities(model, images, chunk);
  const n = images.length / PIXELS;
  let worst = 0;
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    const actual = plan.predict(images.subarray(start * PIXELS, (start + count) * PIXELS), count);
    assert.equal(actual.length, count * 10);
    for (let i = 0; i < count; i++) {
      const row = (a: ArrayLike<number>, offset: number) => Array.from({ length: 10 }, (_, c) => a[offset + c]);
      const want = row(expected, (start + i) * 10);
      const got = row(actual, i * 10);
      assert.equal(got.indexOf(Math.max(...got)), want.indexOf(Math.max(...want)), `image ${start + i}: a different digit`);
      for (let c = 0; c < 10; c++) worst = Math.max(worst, Math.abs(got[c] - want[c]));
    }
  }
  return worst;
}

test('the committed model compiles to a plan that answers what model.predict answers on 1,000 MNIST test digits', async () => {
  const model = await loadModelFromArtifacts((await readArtifactsDir(MODEL_DIR)).artifacts);
  const plan = compiled(model);
  try {
    assert.ok(compare(model, plan, digits, 64) < 1e-5);
    // One at a time, as single requests run.
    assert.ok(compare(model, plan, digits.subarray(0, 20 * PIXELS), 1) < 1e-5);
  } finally {
    plan.dispose();
    model.dispose();
  }
});

test('a BatchNorm with a negative scale after a max-pool is applied after the pool, not folded through it', () => {
  const model = createModel({ seed: 3 });
  // Negative gammas: max-pool no longer commutes with the normalisation, so folding it into the conv would be wrong.
  const bn = model.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
  const [gamma, beta, mean, variance] = bn.getWeights();
  const signs = tf.tensor1d(Array.from({ length: gamma.shape[0] }, (_, i) => (i % 2 ? -1.5 : 0.7)));
  bn.setWeights([tf.mul(gamma, signs), tf.add(beta, 0.1), tf.add(mean, 0.05), tf.mul(variance, 2)]);
  const plan = compiled(model);
  try {
    assert.ok(compare(model, plan, digits.subarray(0, 200 * PIXELS), 50) < 1e-5);
  } finally {
    plan.dispose();
    model.dispose();
    signs.dispose();
  }
});

test('other architectures of createModel compile and match: two convs per block, no hidden dense, no dropout', () => {
  const model = createModel({ seed: 9, filters: [8, 16], convsPerBlock: 2, dense: 0, dropout: 0 });
  const plan = compiled(model);
  try {
    assert.ok(compare(model, plan, digits.subarray(0, 100 * PIXELS), 32) < 1e-5);
  } finally {
    plan.dispose();
    model.dispose();
  }
});

test('a model with a layer the plan does not know keeps model.predict, says which layer, and leaves no tensor behind', () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, activation: 'relu' }),
      tf.layers.averagePooling2d({ poolSize: 2, name: 'average' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  const before = tf.memory().numTensors;
  const result = compileInferencePlan(model);
  assert.ok('reason' in result);
  assert.match(result.reason, /average: a AveragePooling2D layer/);
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('an activation the kernels cannot fuse is refused, as is a model that is not a chain of layers', () => {
  const tanh = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 10, activation: 'tanh', name: 'squash' })] });
  const input = tf.input({ shape: [28, 28, 1] });
  const functional = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 10 }).apply(tf.layers.flatten().apply(input)) as tf.SymbolicTensor });
  const before = tf.memory().numTensors;
  const a = compileInferencePlan(tanh);
  const b = compileInferencePlan(functional);
  assert.ok('reason' in a && /squash: activation tanh/.test(a.reason), JSON.stringify(a));
  assert.ok('reason' in b && /not a plain chain of layers/.test(b.reason), JSON.stringify(b));
  assert.equal(tf.memory().numTensors, before);
  tanh.dispose();
  functional.dispose();
});

test('disposing a plan frees every tensor it holds, and running it leaves none', () => {
  const model = createModel({ seed: 4 });
  const before = tf.memory().numTensors;
  const plan = compiled(model);
  assert.ok(tf.memory().numTensors > before, 'the plan holds its folded weights');
  const held = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) plan.predict(digits.subarray(0, (1 + (i % 5)) * PIXELS), 1 + (i % 5));
  assert.equal(tf.memory().numTensors, held);
  plan.dispose();
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});
