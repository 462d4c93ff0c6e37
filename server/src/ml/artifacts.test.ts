import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ArtifactsError, exportArtifacts, loadModelFromArtifacts, readArtifactsDir, validateArtifacts, writeArtifactsDir } from './artifacts.js';
import { initBackend } from './backend.js';
import { predictProbabilities } from './classifier.js';
import { loadMnist, PIXELS } from './mnist.js';
import { createModel } from './model.js';

before(async () => {
  await initBackend();
});

const images = loadMnist('test', 16).images;

test('a saved and reloaded model gives identical predictions', async () => {
  const tensorsBefore = tf.memory().numTensors;
  const model = createModel({ seed: 7 });
  const artifacts = await exportArtifacts(model);
  const loaded = await loadModelFromArtifacts(artifacts);
  const a = predictProbabilities(model, images);
  const b = predictProbabilities(loaded, images);
  assert.deepEqual(b, a);
  assert.equal(a.length, 16 * 10);
  model.dispose();
  loaded.dispose();
  assert.equal(tf.memory().numTensors, tensorsBefore);
});

test('writes a TensorFlow.js layers directory and reads back the same artifacts and meta', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'artifacts-'));
  try {
    const model = createModel({ seed: 3 });
    const artifacts = await exportArtifacts(model);
    await writeArtifactsDir(dir, artifacts, { recipe: { seed: 3 } });
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.deepEqual(json.weightsManifest[0].paths, ['./weights.bin']);
    const { artifacts: read, meta } = await readArtifactsDir(dir);
    assert.deepEqual(meta, { recipe: { seed: 3 } });
    assert.deepEqual(read.weightSpecs, artifacts.weightSpecs);
    assert.deepEqual(read.weights, artifacts.weights);
    const loaded = await loadModelFromArtifacts(read);
    assert.deepEqual(predictProbabilities(loaded, images), predictProbabilities(model, images));
    model.dispose();
    loaded.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('rejects a truncated weights file, naming the sizes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'artifacts-'));
  try {
    const model = createModel({ seed: 3 });
    const artifacts = await exportArtifacts(model);
    model.dispose();
    await writeArtifactsDir(dir, artifacts, {});
    await writeFile(join(dir, 'weights.bin'), artifacts.weights.subarray(0, 100));
    await assert.rejects(readArtifactsDir(dir), (e: unknown) => {
      assert.ok(e instanceof ArtifactsError);
      assert.match(e.message, new RegExp(`weights are 100 bytes but the manifest describes ${artifacts.weights.byteLength}`));
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('rejects a missing directory and malformed artifacts with messages that say what is wrong', async () => {
  await assert.rejects(readArtifactsDir('/nonexistent/model'), /model\.json: cannot read the model/);
  assert.throws(() => validateArtifacts({ topology: [], weightSpecs: [], weights: new Uint8Array() }), /'topology' to be an object/);
  assert.throws(() => validateArtifacts({ topology: {}, weightSpecs: [{}], weights: new Uint8Array() }), /'weightSpecs' to be an array/);
  assert.throws(() => validateArtifacts({ topology: {}, weightSpecs: [], weights: [1, 2] }), /'weights' to be a Uint8Array/);
  assert.ok(images.length === 16 * PIXELS);
});
