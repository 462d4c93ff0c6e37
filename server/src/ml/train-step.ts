/**
 * One training step's maths, shared by the thread that owns the optimizer and
 * by the helper threads of data-parallel training (train-shard.worker.ts):
 * the gradients of the mean loss over one shard of a batch, and the way the
 * shards' gradients and BatchNorm statistics are averaged back into one step.
 * Both sides run this same code, so a batch cut into shards differs from the
 * whole batch only in BatchNorm's per-shard batch statistics.
 */
import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIZE, NUM_CLASSES } from './mnist.js';

/** A model being trained, seen the way a step needs it. */
export interface StepModel {
  /** Maps images to logits in training mode; the same maths as the model's layers up to the logits. */
  forward: (images: tf.Tensor4D) => tf.Tensor2D;
  /** Trainable variables, in `model.trainableWeights` order (the same in every thread). */
  trainable: tf.Variable[];
  /** BatchNorm moving statistics and other non-trainable variables, in `model.nonTrainableWeights` order. */
  nonTrainable: tf.Variable[];
  /** Dropout layers, whose seed each shard sets. */
  dropouts: Array<{ seed?: number }>;
}

/** What a step needs besides the model. */
export interface StepSettings {
  labelSmoothing: number;
  /** Per-sample loss weights are given (user samples weighted against MNIST). */
  weighted: boolean;
}

/** One shard: `n` images of shape `[28, 28]` flattened, their labels and, when weighted, loss weights. */
export interface Shard {
  x: Float32Array;
  labels: Int32Array;
  weights?: Float32Array;
  /** One seed per dropout layer. */
  dropoutSeeds: number[];
}

/** A shard's result: gradients in {@link StepModel.trainable} order, its mean loss and correct answers. */
export interface ShardResult<G> {
  n: number;
  grads: G[];
  loss: number;
  correct: number;
}

/** The parts of a tfjs-layers Conv2D a plain conv2d call needs (not in its public typings). */
interface ConvLayer {
  kernel: { read(): tf.Tensor4D };
  useBias: boolean;
  strides: [number, number];
  padding: 'same' | 'valid';
  dilationRate: [number, number];
  dataFormat: string;
  activation: { getClassName(): string };
}

/** A Conv2D that is a bare convolution (no bias, linear activation, NHWC, no dilation), as the model's are. */
function bareConv(layer: tf.layers.Layer): ConvLayer | undefined {
  if (layer.getClassName() !== 'Conv2D') return undefined;
  const conv = layer as unknown as ConvLayer;
  const bare = !conv.useBias && conv.activation.getClassName() === 'linear' && conv.dataFormat === 'channelsLast' && conv.dilationRate.every((d) => d === 1);
  return bare ? conv : undefined;
}

/**
 * The logits model's layers applied one by one in training mode, each bare
 * Conv2D as a plain `tf.conv2d`. tfjs-layers runs those as fused convs, whose
 * gradient computes the input's gradient eagerly, even for the first layer,
 * whose input is the images (about 5 % of a step); a plain conv's gradients
 * are computed only where the tape needs them. The values are the same.
 */
function layerByLayer(logits: tf.LayersModel): (images: tf.Tensor4D) => tf.Tensor2D {
  const layers = logits.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const convs = layers.map(bareConv);
  return (images) => {
    let x: tf.Tensor = images;
    layers.forEach((layer, i) => {
      const conv = convs[i];
      x = conv ? tf.conv2d(x as tf.Tensor4D, conv.kernel.read(), conv.strides, conv.padding) : (layer.apply(x, { training: true }) as tf.Tensor);
    });
    return x as tf.Tensor2D;
  };
}

/** Views a layers model as a {@link StepModel}; `logits` is its {@link logitsModel}. */
export function stepModel(model: tf.LayersModel, logits: tf.LayersModel): StepModel {
  return {
    forward: layerByLayer(logits),
    trainable: model.trainableWeights.map((w) => w.read() as tf.Variable),
    nonTrainable: model.nonTrainableWeights.map((w) => w.read() as tf.Variable),
    dropouts: model.layers.filter((l) => l.getClassName() === 'Dropout') as unknown as Array<{ seed?: number }>,
  };
}

/**
 * Runs the forward pass in training mode (which also moves the BatchNorm
 * statistics) and returns the gradients of the shard's mean loss; the caller
 * owns the returned tensors.
 */
export function shardGradients(m: StepModel, settings: StepSettings, shard: Shard): ShardResult<tf.Tensor> {
  const n = shard.labels.length;
  m.dropouts.forEach((d, i) => (d.seed = shard.dropoutSeeds[i]));
  const { value, grads, correct } = tf.tidy(() => {
    const xs = tf.tensor4d(shard.x, [n, IMAGE_SIZE, IMAGE_SIZE, 1]);
    const labels = tf.tensor1d(shard.labels, 'int32');
    const ys = tf.oneHot(labels, NUM_CLASSES);
    const weights = settings.weighted && shard.weights ? tf.tensor1d(shard.weights) : undefined;
    let correct: tf.Tensor | undefined;
    const result = tf.variableGrads(() => {
      const out = m.forward(xs);
      correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), labels), 'float32')));
      return tf.losses.softmaxCrossEntropy(ys, out, weights, settings.labelSmoothing) as tf.Scalar;
    }, m.trainable);
    return { ...result, correct: correct! };
  });
  const loss = value.dataSync()[0];
  const right = correct.dataSync()[0];
  tf.dispose([value, correct]);
  return { n, grads: m.trainable.map((v) => grads[v.name]), loss, correct: right };
}

/**
 * Averages shard values weighted by shard size: each shard's loss is a mean
 * over its own samples, so this is the whole batch's mean.
 */
export function weightedMean(parts: Array<{ n: number; value: tf.Tensor }>): tf.Tensor {
  const total = parts.reduce((sum, p) => sum + p.n, 0);
  return tf.tidy(() => parts.map((p) => tf.mul(p.value, p.n / total)).reduce((a, b) => tf.add(a, b)));
}

/** The values of `variables`, copied out (for another thread). */
export const readVariables = (variables: tf.Variable[]): Float32Array[] =>
  variables.map((v) => v.dataSync() as Float32Array).map((values) => values.slice());

/** Writes `values` (as {@link readVariables} gave them) into `variables`. */
export function writeVariables(variables: tf.Variable[], values: Float32Array[]): void {
  if (values.length !== variables.length) throw new Error(`expected ${variables.length} variables' values, got ${values.length}`);
  variables.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(values[i], v.shape))));
}

/**
 * Applies one step from the shards' results: the gradients averaged by shard
 * size go to the optimizer, and the BatchNorm moving statistics become the
 * same average of each shard's (their update is linear in the batch
 * statistics, so this is the update of the shards' mean statistics). The
 * local shard's gradient tensors are disposed.
 *
 * @returns the batch's mean loss and correct answers
 */
export function applyShards(
  m: StepModel,
  optimizer: tf.Optimizer,
  local: ShardResult<tf.Tensor>,
  remote: Array<ShardResult<Float32Array> & { nonTrainable: Float32Array[] }>,
): { loss: number; correct: number } {
  const n = local.n + remote.reduce((sum, r) => sum + r.n, 0);
  if (remote.length === 0) {
    optimizer.applyGradients(Object.fromEntries(m.trainable.map((v, i) => [v.name, local.grads[i]])));
  } else {
    tf.tidy(() => {
      const grads = m.trainable.map((v, i) =>
        weightedMean([{ n: local.n, value: local.grads[i] }, ...remote.map((r) => ({ n: r.n, value: tf.tensor(r.grads[i], v.shape) }))]),
      );
      optimizer.applyGradients(Object.fromEntries(m.trainable.map((v, i) => [v.name, grads[i]])));
      m.nonTrainable.forEach((v, i) =>
        v.assign(weightedMean([{ n: local.n, value: v }, ...remote.map((r) => ({ n: r.n, value: tf.tensor(r.nonTrainable[i], v.shape) }))])),
      );
    });
  }
  tf.dispose(local.grads);
  const loss = (local.loss * local.n + remote.reduce((sum, r) => sum + r.loss * r.n, 0)) / n;
  const correct = local.correct + remote.reduce((sum, r) => sum + r.correct, 0);
  return { loss, correct };
}
