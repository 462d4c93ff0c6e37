import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { scaledMaxError, seededValues } from '../../../../test/helpers/conv-gradients.js';
import { registerProjectWasmKernels } from './register.js';

before(async () => {
  // IS_TEST makes the engine throw when a kernel leaves backend data behind.
  tf.env().set('IS_TEST', true);
  registerProjectWasmKernels();
  assert.ok(await tf.setBackend('wasm'), 'the wasm backend failed to initialise');
});

const xShape: [number, number, number, number] = [3, 5, 4, 6];

interface NormCase {
  what: string;
  statShape: number[];
  offset: boolean;
  scale: boolean;
}

const cases: NormCase[] = [
  { what: 'per-channel statistics with offset and scale', statShape: [6], offset: true, scale: true },
  { what: 'per-channel statistics without offset or scale', statShape: [6], offset: false, scale: false },
  { what: 'statistics of shape [1, 1, 1, c]', statShape: [1, 1, 1, 6], offset: true, scale: false },
  { what: 'statistics broadcast over the width axis (the native path)', statShape: [4, 6], offset: true, scale: true },
];

async function normalise(backend: 'cpu' | 'wasm', c: NormCase): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const size = c.statShape.reduce((a, b) => a * b);
    // A mean far from zero, so that folding it into a shift would show.
    const x = tf.tensor4d(seededValues(3 * 5 * 4 * 6, 51), xShape).add(40);
    const mean = tf.tensor(seededValues(size, 52), c.statShape).add(40);
    const variance = tf.tensor(seededValues(size, 53), c.statShape).abs().add(0.1);
    const offset = c.offset ? tf.tensor(seededValues(size, 54), c.statShape) : undefined;
    const scale = c.scale ? tf.tensor(seededValues(size, 55), c.statShape) : undefined;
    return tf.batchNorm(x, mean, variance, offset, scale, 0.001).dataSync() as Float32Array;
  });
}

for (const c of cases) {
  test(`normalises with ${c.what} like cpu`, async () => {
    const expected = await normalise('cpu', c);
    const actual = await normalise('wasm', c);
    const error = scaledMaxError(actual, expected);
    assert.ok(error < 1e-5, `batch norm differs from cpu by ${error.toExponential(2)} of its scale`);
  });
}

test('trains a BatchNormalization layer to the same gradients as cpu, leaving nothing behind', async () => {
  const gradients = async (backend: 'cpu' | 'wasm') => {
    await tf.setBackend(backend);
    const layer = tf.layers.batchNormalization({ inputShape: xShape.slice(1) });
    const x = tf.tensor4d(seededValues(3 * 5 * 4 * 6, 56), xShape);
    layer.apply(x); // builds the weights
    const tensorsBefore = tf.memory().numTensors;
    const idsBefore = tf.engine().backend.numDataIds();
    const { grads, value } = tf.variableGrads(() => (layer.apply(x, { training: true }) as tf.Tensor).square().mul(tf.range(0, x.size).reshape(xShape)).sum() as tf.Scalar);
    const out = Object.values(grads).map((g) => g.dataSync() as Float32Array);
    tf.dispose([...Object.values(grads), value]);
    if (backend === 'wasm') {
      assert.equal(tf.memory().numTensors, tensorsBefore);
      assert.equal(tf.engine().backend.numDataIds(), idsBefore);
    }
    x.dispose();
    layer.dispose();
    return out;
  };
  const expected = await gradients('cpu');
  const actual = await gradients('wasm');
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => {
    const error = scaledMaxError(actual[i]!, e);
    assert.ok(error < 1e-4, `gradient ${i} differs from cpu by ${error.toExponential(2)} of its scale`);
  });
});
