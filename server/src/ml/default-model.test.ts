import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { readArtifactsDir } from './artifacts.js';
import { Classifier } from './classifier.js';
import { evaluate } from './evaluate.js';
import { loadMnist } from './mnist.js';

// server/dist/server/src/ml/ -> repository root
const MODEL_DIR = fileURLToPath(new URL('../../../../../data/model/', import.meta.url));

test('the committed default model scores at least 99.4% on the 10,000 MNIST test digits', async () => {
  const { artifacts, meta } = await readArtifactsDir(MODEL_DIR);
  const classifier = await Classifier.fromArtifacts(artifacts);
  const before = tf.memory().numTensors;
  try {
    const test = loadMnist('test');
    const report = evaluate(classifier.predictBatch(test.images), test.labels);
    assert.equal(report.count, 10_000);
    assert.ok(report.accuracy >= 0.994, `test accuracy ${(100 * report.accuracy).toFixed(2)}% is below 99.4%`);
    // meta.json must describe this very model: its recorded score is the one computed here.
    const m = meta as { metrics?: { testAccuracy?: number }; recipe?: { seed?: number; augment?: unknown }; command?: string };
    assert.equal(m.metrics?.testAccuracy, report.accuracy);
    assert.equal(typeof m.recipe?.seed, 'number');
    assert.ok(m.recipe?.augment, 'the default model is trained with augmentation');
    assert.match(m.command ?? '', /^npm run train/);
  } finally {
    assert.equal(tf.memory().numTensors, before);
    classifier.dispose();
  }
});
