import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { maxPoolGradConfig } from './max-pool-grad.js';

before(async () => {
  tf.env().set('IS_TEST', true);
  assert.ok(await tf.setBackend('wasm'));
  tf.unregisterKernel(tf.MaxPoolGrad, 'wasm');
  tf.registerKernel(maxPoolGradConfig);
});

const cases: Array<{ shape: [number, number, number, number]; size: number; stride: number; pad: 'same' | 'valid' }> = [
  { shape: [3, 28, 28, 4], size: 2, stride: 2, pad: 'valid' },
  { shape: [2, 7, 7, 5], size: 2, stride: 2, pad: 'valid' },
  { shape: [2, 9, 8, 3], size: 3, stride: 2, pad: 'same' },
  { shape: [2, 6, 6, 3], size: 3, stride: 1, pad: 'same' },
  { shape: [1, 5, 7, 2], size: 2, stride: 1, pad: 'valid' },
];

async function poolGrad(backend: string, c: (typeof cases)[number], x: Float32Array, dy: Float32Array, dyShape: number[]): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const f = (xi: tf.Tensor) => tf.maxPool(xi as tf.Tensor4D, c.size, c.stride, c.pad);
    return tf.grad(f)(tf.tensor4d(x, c.shape), tf.tensor(dy, dyShape)).dataSync() as Float32Array;
  });
}

for (const c of cases) {
  test(`matches the cpu max-pool gradient, ties included, for ${c.shape.join('×')} pool ${c.size}/${c.stride} ${c.pad}`, async () => {
    const n = c.shape.reduce((a, b) => a * b, 1);
    // Rounded values make ties common: the first maximum in row-major order must get the gradient.
    const x = Float32Array.from({ length: n }, (_, i) => Math.round(Math.sin(i * 12.9898) * 3));
    await tf.setBackend('cpu');
    const dyShape = tf.tidy(() => tf.maxPool(tf.tensor4d(x, c.shape), c.size, c.stride, c.pad).shape);
    const dy = Float32Array.from({ length: dyShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i));
    const expected = await poolGrad('cpu', c, x, dy, dyShape);
    const actual = await poolGrad('wasm', c, x, dy, dyShape);
    assert.equal(actual.length, expected.length);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(actual[i] - expected[i]) < 1e-5, `dx[${i}] ${actual[i]} vs ${expected[i]}`);
  });
}

test('leaves no tensor or wasm buffer behind', async () => {
  await tf.setBackend('wasm');
  const x = tf.randomNormal([2, 8, 8, 3]);
  const tensors = tf.memory().numTensors;
  const ids = tf.engine().backend.numDataIds();
  tf.grad((xi: tf.Tensor) => tf.maxPool(xi as tf.Tensor4D, 2, 2, 'valid').sum())(x).dispose();
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(tf.engine().backend.numDataIds(), ids);
  x.dispose();
});
