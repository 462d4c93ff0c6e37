import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { exportArtifacts } from './artifacts.js';
import { initBackend } from './backend.js';
import { Classifier, ClassifierDisposedError, predictProbabilities } from './classifier.js';
import { loadMnist, PIXELS } from './mnist.js';
import { createModel } from './model.js';

before(async () => {
  await initBackend();
});

async function makeClassifier(options?: { maxBatch?: number }): Promise<Classifier> {
  const model = createModel({ seed: 11 });
  const artifacts = await exportArtifacts(model);
  model.dispose();
  return Classifier.fromArtifacts(artifacts, options);
}

const digits = loadMnist('test', 40).images;

/** Records the batch size of every forward pass `classifier` runs from now on. */
function countPasses(classifier: Classifier): number[] {
  const passes = classifier as unknown as { run(images: Float32Array, count: number): Float32Array };
  const original = passes.run.bind(passes);
  const sizes: number[] = [];
  passes.run = (images, count) => {
    sizes.push(count);
    return original(images, count);
  };
  return sizes;
}
const image = (i: number): Float32Array => digits.slice(i * PIXELS, (i + 1) * PIXELS);

test('concurrent predictions are batched and equal the one-at-a-time answers', async () => {
  const classifier = await makeClassifier();
  try {
    const single: Float32Array[] = [];
    for (let i = 0; i < 40; i++) single.push(await classifier.predict(image(i)));
    const batchSizes = countPasses(classifier);
    const together = await Promise.all(Array.from({ length: 40 }, (_, i) => classifier.predict(image(i))));
    assert.deepEqual(batchSizes, [40]);
    for (let i = 0; i < 40; i++) {
      assert.equal(together[i].length, 10);
      for (let c = 0; c < 10; c++) assert.ok(Math.abs(together[i][c] - single[i][c]) < 1e-5, `image ${i} class ${c}`);
    }
    const batch = classifier.predictBatch(digits);
    for (let c = 0; c < 10; c++) assert.ok(Math.abs(batch[39 * 10 + c] - single[39][c]) < 1e-5);
  } finally {
    classifier.dispose();
  }
});

test('runs its passes through the compiled plan, which answers what model.predict answers', async () => {
  const classifier = await makeClassifier();
  try {
    assert.deepEqual(classifier.engine, { engine: 'plan' });
    const model = (classifier as unknown as { model: tf.LayersModel }).model;
    const expected = predictProbabilities(model, digits);
    const actual = classifier.predictBatch(digits, 16);
    for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) < 1e-5, `value ${i}`);
  } finally {
    classifier.dispose();
  }
});

test('splits a burst larger than the maximum batch into several passes', async () => {
  const classifier = await makeClassifier({ maxBatch: 16 });
  try {
    const batchSizes = countPasses(classifier);
    const out = await Promise.all(Array.from({ length: 40 }, (_, i) => classifier.predict(image(i))));
    assert.equal(out.length, 40);
    assert.deepEqual(batchSizes, [16, 16, 8]);
  } finally {
    classifier.dispose();
  }
});

test('leaves no tensor behind over 1,000 predictions', async () => {
  const classifier = await makeClassifier();
  try {
    const before = tf.memory().numTensors;
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => classifier.predict(image(i % 40))));
      for (let i = 0; i < 50; i++) await classifier.predict(image(i % 40));
    }
    assert.equal(tf.memory().numTensors, before);
  } finally {
    classifier.dispose();
  }
});

test('rejects a wrong-sized image and calls after dispose, and frees the model', async () => {
  const before = tf.memory().numTensors;
  const classifier = await makeClassifier();
  await assert.rejects(classifier.predict(new Float32Array(10)), /Float32Array of 784 pixels, got 10/);
  const pending = classifier.predict(image(0));
  classifier.dispose();
  await assert.rejects(pending, ClassifierDisposedError);
  await assert.rejects(classifier.predict(image(0)), ClassifierDisposedError);
  assert.equal(tf.memory().numTensors, before);
});
