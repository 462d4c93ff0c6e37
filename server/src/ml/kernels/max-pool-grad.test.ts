import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { scaledMaxError, seededValues } from '../../../../test/helpers/conv-gradients.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { registerProjectWasmKernels } from './register.js';

before(async () => {
  // IS_TEST makes the engine throw when a kernel leaves backend data behind.
  tf.env().set('IS_TEST', true);
  registerProjectWasmKernels();
  assert.ok(await tf.setBackend('wasm'), 'the wasm backend failed to initialise');
});

interface PoolCase {
  shape: [number, number, number, number];
  filter: number;
  stride: number;
  pad: 'same' | 'valid';
}

const cases: PoolCase[] = [
  { shape: [2, 8, 8, 3], filter: 2, stride: 2, pad: 'valid' },
  // The model's last pool: 7 → 3, the last row and column in no window.
  { shape: [3, 7, 7, 6], filter: 2, stride: 2, pad: 'valid' },
  { shape: [2, 6, 10, 16], filter: 2, stride: 2, pad: 'same' },
  { shape: [2, 7, 9, 4], filter: 2, stride: 2, pad: 'same' },
  { shape: [3, 9, 7, 2], filter: 3, stride: 1, pad: 'same' },
  { shape: [2, 7, 9, 4], filter: 3, stride: 2, pad: 'same' },
  { shape: [2, 10, 11, 5], filter: 2, stride: 3, pad: 'same' },
  { shape: [2, 6, 6, 1], filter: 3, stride: 3, pad: 'valid' },
];

/**
 * dx of `sum(maxPool(relu(x)) * r)` for `x` of small integers, so windows
 * hold ties (equal values and ReLU zeros) that must route like the cpu's.
 */
async function poolGradient(backend: 'cpu' | 'wasm', c: PoolCase, seed: number): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const size = c.shape.reduce((a, b) => a * b);
    const x = tf.tensor4d(seededValues(size, seed).map((v) => Math.round(v * 3)), c.shape);
    const yShape = tf.maxPool(x, c.filter, c.stride, c.pad).shape;
    const r = tf.tensor(seededValues(yShape.reduce((a, b) => a * b), seed + 1), yShape);
    const dx = tf.grad((xi: tf.Tensor) => tf.maxPool(tf.relu(xi) as tf.Tensor4D, c.filter, c.stride, c.pad).mul(r).sum())(x);
    return dx.dataSync() as Float32Array;
  });
}

test('is the kernel registered for MaxPoolGrad on wasm', () => {
  assert.equal(tf.getKernel(tf.MaxPoolGrad, 'wasm'), maxPoolGradConfig);
});

cases.forEach((c, i) => {
  test(`routes each window's gradient to its first maximum like cpu for a ${c.filter}×${c.filter} pool, stride ${c.stride}, ${c.pad} padding over ${c.shape.join('×')}`, async () => {
    const expected = await poolGradient('cpu', c, 500 + i);
    const actual = await poolGradient('wasm', c, 500 + i);
    assert.ok(expected.some((v) => v !== 0), 'the reference gradient is all zero; the case tests nothing');
    const error = scaledMaxError(actual, expected);
    assert.ok(error < 1e-6, `max-pool gradient differs from cpu by ${error.toExponential(2)} of its scale`);
  });
});

test('leaves no tensor or wasm buffer behind after a max-pool gradient', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor4d(seededValues(2 * 8 * 8 * 3, 9), [2, 8, 8, 3]);
  const tensorsBefore = tf.memory().numTensors;
  const idsBefore = tf.engine().backend.numDataIds();
  const dx = tf.grad((xi: tf.Tensor) => tf.maxPool(xi as tf.Tensor4D, 2, 2, 'valid').sum())(x);
  dx.dispose();
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(tf.engine().backend.numDataIds(), idsBefore);
  x.dispose();
});
