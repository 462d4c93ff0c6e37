import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend.js';
import { registerFastGradients } from './gradients.js';
import { loadMnist } from './mnist.js';
import { createModel, logitsModel } from './model.js';
import { stepModel } from './train-step.js';

before(async () => {
  await initBackend();
  registerFastGradients();
});

const maxDifference = (a: Float32Array, b: Float32Array): number => a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i])), 0);

test("the step's layer-by-layer forward pass gives the model's logits and gradients, without the images' gradient", async () => {
  const model = createModel({ seed: 4 });
  const logits = logitsModel(model);
  const step = stepModel(model, logits);
  const images = tf.tensor4d(loadMnist('test', 32).images, [32, 28, 28, 1]);
  const weights = tf.randomNormal([32, 10], 0, 1, 'float32', 8);
  const run = (forward: (x: tf.Tensor4D) => tf.Tensor2D) => {
    // Same dropout mask both ways.
    for (const d of step.dropouts) d.seed = 11;
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(forward(images), weights)) as tf.Scalar, step.trainable);
    const out = { value: value.dataSync()[0], grads: step.trainable.map((v) => grads[v.name].dataSync() as Float32Array) };
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  };
  const viaLayers = run((x) => logits.apply(x, { training: true }) as tf.Tensor2D);
  const byStep = run(step.forward);
  assert.ok(Math.abs(viaLayers.value - byStep.value) < 1e-3 * Math.max(1, Math.abs(viaLayers.value)), `${byStep.value} against ${viaLayers.value}`);
  viaLayers.grads.forEach((g, i) => {
    const scale = g.reduce((max, v) => Math.max(max, Math.abs(v)), 1e-6);
    assert.ok(maxDifference(g, byStep.grads[i]) < 1e-4 * scale, `gradient of ${step.trainable[i].name} differs`);
  });

  // The first conv's input is the images: no input gradient is computed for it.
  const backpropInputs = async (forward: (x: tf.Tensor4D) => tf.Tensor2D) => {
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(forward(images)) as tf.Scalar, step.trainable);
      tf.dispose([value, ...Object.values(grads)]);
    });
    return profile.kernels.filter((k) => k.name === 'Conv2DBackpropInput').length;
  };
  assert.equal(await backpropInputs((x) => logits.apply(x, { training: true }) as tf.Tensor2D), 3);
  assert.equal(await backpropInputs(step.forward), 2);
  tf.dispose([images, weights]);
  model.dispose();
});
