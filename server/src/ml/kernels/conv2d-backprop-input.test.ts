import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { convCases, convGradients, describeCase, scaledMaxError, seededValues } from '../../../../test/helpers/conv-gradients.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { registerProjectWasmKernels } from './register.js';

before(async () => {
  // IS_TEST makes the engine throw when a kernel leaves backend data behind.
  tf.env().set('IS_TEST', true);
  registerProjectWasmKernels();
  assert.ok(await tf.setBackend('wasm'), 'the wasm backend failed to initialise');
});

test('is the kernel registered for Conv2DBackpropFilter on wasm', () => {
  assert.equal(tf.getKernel(tf.Conv2DBackpropInput, 'wasm'), conv2dBackpropInputConfig);
});

convCases.forEach((c, i) => {
  test(`matches the cpu input gradient for a ${describeCase(c)}`, async () => {
    const expected = await convGradients('cpu', c, 1000 + i);
    const actual = await convGradients('wasm', c, 1000 + i);
    const error = scaledMaxError(actual.dx, expected.dx);
    assert.ok(error < 1e-4, `input gradient differs from cpu by ${error.toExponential(2)} of its scale`);
  });
});

test('leaves no tensor or wasm buffer behind after a strided input gradient', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor4d(seededValues(2 * 11 * 9 * 3, 7), [2, 11, 9, 3]);
  const w = tf.tensor4d(seededValues(4 * 4 * 3 * 5, 8), [4, 4, 3, 5]);
  const tensorsBefore = tf.memory().numTensors;
  const idsBefore = tf.engine().backend.numDataIds();
  const dx = tf.grad((xi: tf.Tensor) => tf.conv2d(xi as tf.Tensor4D, w, 3, 'same').sum())(x);
  assert.deepEqual(dx.shape, [2, 11, 9, 3]);
  dx.dispose();
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(tf.engine().backend.numDataIds(), idsBefore);
  x.dispose();
  w.dispose();
});

test('replaces the naive kernel the wasm backend ships', () => {
  assert.equal(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.kernelFunc, conv2dBackpropInputConfig.kernelFunc);
});

test('rejects NCHW data with a message naming the supported format', async () => {
  await tf.setBackend('wasm');
  tf.tidy(() => {
    const x = tf.zeros([1, 5, 5, 3]);
    const filter = tf.zeros([3, 3, 2, 3]);
    assert.throws(
      () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: x, filter }, {
        strides: 1,
        pad: 'same',
        dataFormat: 'NCHW',
        inputShape: [1, 5, 5, 3],
      }),
      /supports dataFormat 'NHWC' only/,
    );
  });
});
