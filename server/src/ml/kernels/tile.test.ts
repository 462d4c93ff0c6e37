import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { seededValues } from '../../../../test/helpers/conv-gradients.js';
import { registerProjectWasmKernels } from './register.js';
import { tileConfig } from './tile.js';

before(async () => {
  // IS_TEST makes the engine throw when a kernel leaves backend data behind.
  tf.env().set('IS_TEST', true);
  registerProjectWasmKernels();
  assert.ok(await tf.setBackend('wasm'), 'the wasm backend failed to initialise');
});

async function tiled(backend: 'cpu' | 'wasm', values: number[], shape: number[], reps: number[], dtype: tf.DataType) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const out = tf.tile(tf.tensor(values, shape, dtype), reps);
    return { shape: out.shape, values: Array.from(out.dataSync()) };
  });
}

const cases: { what: string; shape: number[]; reps: number[]; dtype: tf.DataType }[] = [
  { what: "a batch-norm scale [1, 1, 1, 16] over a [4, 5, 6] activation", shape: [1, 1, 1, 16], reps: [4, 5, 6, 1], dtype: 'float32' },
  { what: 'every axis of a [2, 1, 3] tensor at once', shape: [2, 1, 3], reps: [3, 4, 2], dtype: 'float32' },
  { what: 'an int32 matrix', shape: [2, 3], reps: [3, 2], dtype: 'int32' },
  { what: 'a bool vector', shape: [3], reps: [4], dtype: 'bool' },
  { what: 'a scalar', shape: [], reps: [], dtype: 'float32' },
  { what: 'a [2, 3, 4] tensor by ones (a copy)', shape: [2, 3, 4], reps: [1, 1, 1], dtype: 'float32' },
  { what: 'an empty tensor', shape: [2, 0], reps: [2, 3], dtype: 'float32' },
];

test('is the kernel registered for Tile on wasm', () => {
  assert.equal(tf.getKernel(tf.Tile, 'wasm'), tileConfig);
});

cases.forEach((c, i) => {
  test(`tiles ${c.what} exactly like cpu`, async () => {
    const size = c.shape.reduce((a, b) => a * b, 1);
    const values = Array.from(seededValues(size, 300 + i), (v) => (c.dtype === 'float32' ? v : Math.round(v * 5) & (c.dtype === 'bool' ? 1 : -1)));
    const expected = await tiled('cpu', values, c.shape, c.reps, c.dtype);
    const actual = await tiled('wasm', values, c.shape, c.reps, c.dtype);
    assert.deepEqual(actual, expected);
  });
});

test('leaves no tensor or wasm buffer behind after the batch-norm gradient that tiles', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor4d(seededValues(2 * 4 * 4 * 3, 11), [2, 4, 4, 3]);
  const mean = tf.zeros([3]);
  const variance = tf.ones([3]);
  const offset = tf.zeros([3]);
  const scale = tf.ones([3]);
  const tensorsBefore = tf.memory().numTensors;
  const idsBefore = tf.engine().backend.numDataIds();
  const dx = tf.grad((xi: tf.Tensor) => tf.batchNorm4d(xi as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, offset as tf.Tensor1D, scale as tf.Tensor1D).square().sum())(x);
  dx.dispose();
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(tf.engine().backend.numDataIds(), idsBefore);
  tf.dispose([x, mean, variance, offset, scale]);
});
