import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { fusedBatchNormGradConfig } from './gradients.js';

/**
 * Gradients w.r.t. input, gamma and beta of batch normalisation in training
 * mode (batch statistics, as tfjs-layers computes it), for a fixed upstream dy.
 */
function bnGradients(seed: number): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal([4, 5, 5, 3], 0.5, 2, 'float32', seed);
    const dy = tf.randomNormal([4, 5, 5, 3], 0, 1, 'float32', seed + 1);
    const gamma = tf.randomUniform([3], 0.5, 2, 'float32', seed + 2);
    const beta = tf.randomNormal([3], 0, 1, 'float32', seed + 3);
    const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xi, [0, 1, 2]);
      return tf.sum(tf.mul(tf.batchNorm(xi, mean, variance, b, g, 1e-3), dy));
    };
    return tf.grads(f)([x, gamma, beta]).map((g) => g.dataSync() as Float32Array);
  });
}

test('the broadcasting BatchNorm gradient equals tfjs-core\'s tiling one', async () => {
  await tf.setBackend('cpu');
  const original = tf.getGradient(tf.FusedBatchNorm)!;
  assert.notEqual(original, fusedBatchNormGradConfig);
  const expected = bnGradients(1);
  tf.registerGradient(fusedBatchNormGradConfig);
  try {
    const actual = bnGradients(1);
    for (let k = 0; k < 3; k++) {
      assert.equal(actual[k].length, expected[k].length);
      for (let i = 0; i < actual[k].length; i++) {
        assert.ok(Math.abs(actual[k][i] - expected[k][i]) < 1e-4 * (1 + Math.abs(expected[k][i])), `gradient ${k}[${i}]: ${actual[k][i]} vs ${expected[k][i]}`);
      }
    }
  } finally {
    tf.registerGradient(original);
  }
});
