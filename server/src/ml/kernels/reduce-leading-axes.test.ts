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

const shape = [6, 5, 4, 3];

async function reduce(backend: 'cpu' | 'wasm', op: 'sum' | 'mean', axis: number | number[], keepDims: boolean, dtype: 'float32' | 'int32') {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const values = Array.from(seededValues(6 * 5 * 4 * 3, 41), (v) => (dtype === 'int32' ? Math.round(v * 9) : v));
    const out = tf[op](tf.tensor(values, shape, dtype), axis, keepDims);
    return { shape: out.shape, dtype: out.dtype, values: Float32Array.from(out.dataSync()) };
  });
}

const cases: { axis: number | number[]; keepDims: boolean; what: string }[] = [
  { axis: [0, 1, 2], keepDims: false, what: 'the batch and spatial axes of an NHWC tensor' },
  { axis: [0, 1, 2], keepDims: true, what: 'the batch and spatial axes, keeping dims' },
  { axis: 0, keepDims: false, what: 'the batch axis alone' },
  { axis: [1, 0], keepDims: true, what: 'leading axes given out of order' },
  { axis: [1, 2], keepDims: false, what: 'inner spatial axes (the native path)' },
  { axis: -1, keepDims: false, what: 'the channel axis (the native path)' },
  { axis: [0, 1, 2, 3], keepDims: false, what: 'every axis (the native path)' },
];

for (const op of ['sum', 'mean'] as const) {
  for (const c of cases) {
    test(`${op} over ${c.what} matches cpu`, async () => {
      const expected = await reduce('cpu', op, c.axis, c.keepDims, 'float32');
      const actual = await reduce('wasm', op, c.axis, c.keepDims, 'float32');
      assert.deepEqual(actual.shape, expected.shape);
      const error = scaledMaxError(actual.values, expected.values);
      assert.ok(error < 1e-5, `${op} differs from cpu by ${error.toExponential(2)} of its scale`);
    });
  }
}

test('sums a [32, 28, 28, 8] activation over its batch and spatial axes within float32 accuracy', async () => {
  const big: [number, number, number, number] = [32, 28, 28, 8];
  const run = async (backend: 'cpu' | 'wasm') => {
    await tf.setBackend(backend);
    // Offset values so the sum does not cancel to near zero.
    return tf.tidy(() => tf.tensor4d(seededValues(32 * 28 * 28 * 8, 43), big).add(0.5).sum([0, 1, 2]).dataSync() as Float32Array);
  };
  const expected = await run('cpu');
  const actual = await run('wasm');
  const error = scaledMaxError(actual, expected);
  assert.ok(error < 1e-5, `sum differs from cpu by ${error.toExponential(2)} of its scale`);
});

test('sums int32 tensors over leading axes exactly, as int32', async () => {
  const expected = await reduce('cpu', 'sum', [0, 1], false, 'int32');
  const actual = await reduce('wasm', 'sum', [0, 1], false, 'int32');
  assert.deepEqual(actual, expected);
});

test('leaves no tensor or wasm buffer behind after a batch-norm moments gradient', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor4d(seededValues(6 * 5 * 4 * 3, 42), shape as [number, number, number, number]);
  const tensorsBefore = tf.memory().numTensors;
  const idsBefore = tf.engine().backend.numDataIds();
  const dx = tf.grad((xi: tf.Tensor) => {
    const { mean, variance } = tf.moments(xi, [0, 1, 2]);
    return mean.add(variance).sum();
  })(x);
  dx.dispose();
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(tf.engine().backend.numDataIds(), idsBefore);
  x.dispose();
});
