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

/**
 * `[batch, m, k] · [batch, k, n]` with the operands stored transposed as asked.
 * The fused product runs unbatched, as Dense layers use it: tfjs-backend-wasm
 * 4.22's own _FusedMatMul adds the bias wrongly to every batch after the first.
 */
async function product(backend: 'cpu' | 'wasm', transposeA: boolean, transposeB: boolean, fused: boolean): Promise<Float32Array> {
  await tf.setBackend(backend);
  const [batch, m, k, n] = [fused ? 1 : 2, 7, 5, 3];
  return tf.tidy(() => {
    const a = tf.tensor3d(seededValues(batch * m * k, 21), transposeA ? [batch, k, m] : [batch, m, k]);
    const b = tf.tensor3d(seededValues(batch * k * n, 22), transposeB ? [batch, n, k] : [batch, k, n]);
    const out = fused
      ? tf.fused.matMul({ a, b, transposeA, transposeB, bias: tf.tensor1d(seededValues(n, 23)), activation: 'relu' })
      : tf.matMul(a, b, transposeA, transposeB);
    assert.deepEqual(out.shape, [batch, m, n]);
    return out.dataSync() as Float32Array;
  });
}

for (const fused of [false, true]) {
  for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const kernel = fused ? '_FusedMatMul' : 'BatchMatMul';
    test(`${kernel} with transposeA=${transposeA}, transposeB=${transposeB} matches cpu`, async () => {
      const expected = await product('cpu', transposeA, transposeB, fused);
      const actual = await product('wasm', transposeA, transposeB, fused);
      const error = scaledMaxError(actual, expected);
      assert.ok(error < 1e-5, `product differs from cpu by ${error.toExponential(2)} of its scale`);
    });
  }
}

test('computes a Dense layer gradient without leaving a tensor or wasm buffer behind', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor2d(seededValues(8 * 6, 31), [8, 6]);
  const w = tf.tensor2d(seededValues(6 * 4, 32), [6, 4]);
  const tensorsBefore = tf.memory().numTensors;
  const idsBefore = tf.engine().backend.numDataIds();
  const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) => tf.matMul(xi as tf.Tensor2D, wi as tf.Tensor2D).square().sum())([x, w]);
  assert.deepEqual(dx!.shape, [8, 6]);
  assert.deepEqual(dw!.shape, [6, 4]);
  tf.dispose([dx!, dw!]);
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(tf.engine().backend.numDataIds(), idsBefore);
  tf.dispose([x, w]);
});
