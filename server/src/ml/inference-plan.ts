/**
 * A trained model's forward pass compiled for serving. `LayersModel.predict`
 * walks tfjs-layers' graph on every call, BatchNormalization and ReLU run as
 * ops of their own, and the bookkeeping costs about as much as the convs
 * for one image. Here the layers become a short list of ops with every
 * inference-time BatchNorm folded into the conv or dense weights before it
 * and every ReLU fused into that kernel, so a pass is a few fused wasm calls.
 *
 * The rewrite is exact algebra, checked once against `model.predict` when
 * the plan is built; a model it does not understand keeps `model.predict`.
 */
import * as tf from '@tensorflow/tfjs';

type Activation = 'linear' | 'relu';

type Step =
  | { op: 'conv'; filter: tf.Tensor4D; bias: tf.Tensor1D | null; activation: Activation; strides: [number, number]; pad: 'same' | 'valid' }
  | { op: 'dense'; weights: tf.Tensor2D; bias: tf.Tensor1D | null; activation: Activation }
  | { op: 'maxPool'; size: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }
  /** Inference-time BatchNorm: `x · scale + shift` per channel (last axis). */
  | { op: 'affine'; scale: tf.Tensor1D; shift: tf.Tensor1D }
  | { op: 'relu' }
  | { op: 'flatten' }
  | { op: 'softmax' };

/** Largest difference to `model.predict` on the probe images for the plan to be used. */
const MAX_PROBE_DIFFERENCE = 1e-4;

export interface InferencePlan {
  /**
   * Runs the plan on `count` images packed in `input` (the model's input
   * shape without the batch axis, flattened) and returns the outputs,
   * flattened, as `model.predict` would.
   */
  predict(input: Float32Array, count: number): Float32Array;
  /** Frees the folded weights. */
  dispose(): void;
}

/** Why a model keeps `model.predict`: thrown while reading its layers. */
class Unsupported extends Error {}

/**
 * Compiles `model` into an {@link InferencePlan}, or explains why not.
 * The model keeps its own weights; the plan holds folded copies.
 */
export function compileInferencePlan(model: tf.LayersModel): { plan: InferencePlan } | { reason: string } {
  const inputShape = model.inputs[0]?.shape;
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || !inputShape || inputShape.slice(1).some((d) => d === null)) {
    return { reason: 'the model does not have one input of fixed shape and one output' };
  }
  const sampleShape = inputShape.slice(1) as number[];
  let steps: Step[] = [];
  try {
    if (model.getClassName() !== 'Sequential') throw new Unsupported(`a ${model.getClassName()} model is not a plain chain of layers`);
    // Every tensor a step holds is kept; the arithmetic in between is freed.
    tf.tidy(() => {
      for (const layer of model.layers) steps.push(...stepsOf(layer));
      steps = optimise(steps);
    });
  } catch (error) {
    disposeSteps(steps);
    if (error instanceof Unsupported) return { reason: error.message };
    throw error;
  }
  const plan = planOf(steps, sampleShape);
  const difference = probeDifference(model, plan, sampleShape);
  if (!(difference <= MAX_PROBE_DIFFERENCE)) {
    plan.dispose();
    return { reason: `the compiled plan differs from model.predict by ${difference} on the probe images` };
  }
  return { plan };
}

/** The steps of one layer, its weights copied (kept beyond the caller's tidy). */
function stepsOf(layer: tf.layers.Layer): Step[] {
  const kind = layer.getClassName();
  const config = layer.getConfig() as Record<string, unknown>;
  // By original name: a model loaded where the same names exist has its variables renamed ("kernel_1").
  const values = layer.getWeights();
  const named = new Map(layer.weights.map((w, i) => [w.originalName.split('/').pop()!, values[i]]));
  const lastAxis = (layer.input as tf.SymbolicTensor).shape.length - 1;
  const activationOf = (name: unknown): Step[] => {
    if (name === undefined || name === null || name === 'linear') return [];
    if (name === 'relu') return [{ op: 'relu' }];
    if (name === 'softmax') return [{ op: 'softmax' }];
    throw new Unsupported(`${layer.name}: activation ${String(name)}`);
  };
  const pair = (value: unknown): [number, number] => (Array.isArray(value) ? [value[0], value[1]] : [Number(value), Number(value)]);
  switch (kind) {
    case 'InputLayer':
    case 'Dropout':
      return [];
    case 'Flatten':
      return [{ op: 'flatten' }];
    case 'Softmax':
      if (config.axis !== undefined && config.axis !== -1 && config.axis !== lastAxis) throw new Unsupported(`${layer.name}: softmax over axis ${String(config.axis)}`);
      return [{ op: 'softmax' }];
    case 'ReLU':
      if ((config.maxValue ?? null) !== null) throw new Unsupported(`${layer.name}: a capped ReLU`);
      return [{ op: 'relu' }];
    case 'Activation':
      return activationOf(config.activation);
    case 'Conv2D': {
      if (config.dataFormat !== 'channelsLast') throw new Unsupported(`${layer.name}: data format ${String(config.dataFormat)}`);
      if (pair(config.dilationRate).some((d) => d !== 1)) throw new Unsupported(`${layer.name}: a dilated conv`);
      if (config.padding !== 'same' && config.padding !== 'valid') throw new Unsupported(`${layer.name}: padding ${String(config.padding)}`);
      const after = activationOf(config.activation);
      const conv: Step = {
        op: 'conv',
        filter: tf.keep(named.get('kernel')!.clone()) as tf.Tensor4D,
        bias: config.useBias ? (tf.keep(named.get('bias')!.clone()) as tf.Tensor1D) : null,
        activation: 'linear',
        strides: pair(config.strides),
        pad: config.padding,
      };
      return [conv, ...after];
    }
    case 'Dense': {
      const after = activationOf(config.activation);
      const dense: Step = {
        op: 'dense',
        weights: tf.keep(named.get('kernel')!.clone()) as tf.Tensor2D,
        bias: config.useBias ? (tf.keep(named.get('bias')!.clone()) as tf.Tensor1D) : null,
        activation: 'linear',
      };
      return [dense, ...after];
    }
    case 'MaxPooling2D':
      if (config.dataFormat !== 'channelsLast') throw new Unsupported(`${layer.name}: data format ${String(config.dataFormat)}`);
      if (config.padding !== 'same' && config.padding !== 'valid') throw new Unsupported(`${layer.name}: padding ${String(config.padding)}`);
      return [{ op: 'maxPool', size: pair(config.poolSize), strides: pair(config.strides ?? config.poolSize), pad: config.padding }];
    case 'BatchNormalization': {
      if (config.axis !== -1 && config.axis !== lastAxis) throw new Unsupported(`${layer.name}: normalises axis ${String(config.axis)}`);
      const mean = named.get('moving_mean')!;
      const variance = named.get('moving_variance')!;
      const gamma = named.get('gamma') ?? tf.onesLike(mean);
      const beta = named.get('beta') ?? tf.zerosLike(mean);
      const scale = tf.div(gamma, tf.sqrt(tf.add(variance, Number(config.epsilon)))) as tf.Tensor1D;
      return [{ op: 'affine', scale: tf.keep(scale), shift: tf.keep(tf.sub(beta, tf.mul(mean, scale))) as tf.Tensor1D }];
    }
    default:
      throw new Unsupported(`${layer.name}: a ${kind} layer`);
  }
}

/**
 * Rewrites the steps until nothing changes:
 * - a ReLU after a max-pool goes before it, and so does a BatchNorm whose
 *   every scale is positive (both are non-decreasing per channel, so they
 *   commute with taking a maximum);
 * - a BatchNorm right after a conv or dense with no activation is folded
 *   into its weights and bias;
 * - a ReLU right after a conv or dense with no activation becomes the
 *   kernel's fused activation.
 * Replaced tensors are disposed; new ones are kept.
 */
function optimise(input: Step[]): Step[] {
  const steps = [...input];
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = 0; i + 1 < steps.length && !changed; i++) {
      const [a, b] = [steps[i], steps[i + 1]];
      if (a.op === 'maxPool' && (b.op === 'relu' || (b.op === 'affine' && tf.min(b.scale).dataSync()[0] > 0))) {
        steps.splice(i, 2, b, a);
        changed = true;
      } else if ((a.op === 'conv' || a.op === 'dense') && a.activation === 'linear' && b.op === 'affine') {
        steps.splice(i, 2, foldAffine(a, b));
        changed = true;
      } else if ((a.op === 'conv' || a.op === 'dense') && a.activation === 'linear' && b.op === 'relu') {
        steps.splice(i, 2, { ...a, activation: 'relu' });
        changed = true;
      }
    }
  }
  return steps;
}

/** `affine(conv(x; W) + b) = conv(x; W · scale) + (b · scale + shift)`, the scale along the output channels. */
function foldAffine<S extends Extract<Step, { op: 'conv' | 'dense' }>>(layer: S, affine: Extract<Step, { op: 'affine' }>): S {
  const weights = layer.op === 'conv' ? layer.filter : layer.weights;
  const folded = tf.keep(tf.mul(weights, affine.scale));
  const bias = tf.keep(layer.bias ? tf.add(tf.mul(layer.bias, affine.scale), affine.shift) : affine.shift.clone()) as tf.Tensor1D;
  tf.dispose([weights, layer.bias ?? [], affine.scale, affine.shift]);
  return layer.op === 'conv' ? { ...layer, filter: folded as tf.Tensor4D, bias } : { ...layer, weights: folded as tf.Tensor2D, bias };
}

function planOf(steps: Step[], sampleShape: number[]): InferencePlan {
  const run = (input: Float32Array, count: number): Float32Array =>
    tf.tidy(() => {
      let x: tf.Tensor = tf.tensor(input, [count, ...sampleShape]);
      for (const step of steps) {
        switch (step.op) {
          case 'conv':
            x = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: step.filter, strides: step.strides, pad: step.pad, bias: step.bias ?? undefined, activation: step.activation });
            break;
          case 'dense':
            x = tf.fused.matMul({ a: x as tf.Tensor2D, b: step.weights, bias: step.bias ?? undefined, activation: step.activation });
            break;
          case 'maxPool':
            x = tf.maxPool(x as tf.Tensor4D, step.size, step.strides, step.pad);
            break;
          case 'affine':
            x = tf.add(tf.mul(x, step.scale), step.shift);
            break;
          case 'relu':
            x = tf.relu(x);
            break;
          case 'flatten':
            x = tf.reshape(x, [count, -1]);
            break;
          case 'softmax':
            x = tf.softmax(x);
            break;
        }
      }
      return x.dataSync() as Float32Array;
    });
  return { predict: run, dispose: () => disposeSteps(steps) };
}

function disposeSteps(steps: Step[]): void {
  for (const step of steps) {
    if (step.op === 'conv') tf.dispose([step.filter, step.bias ?? []]);
    else if (step.op === 'dense') tf.dispose([step.weights, step.bias ?? []]);
    else if (step.op === 'affine') tf.dispose([step.scale, step.shift]);
  }
}

/** Largest absolute difference between the plan and `model.predict` on a few fixed pseudo-random inputs in [0, 1]. */
function probeDifference(model: tf.LayersModel, plan: InferencePlan, sampleShape: number[]): number {
  const count = 4;
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const input = new Float32Array(count * size);
  let state = 12345;
  for (let i = 0; i < input.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    input[i] = (state >>> 8) / 2 ** 24;
  }
  const expected = tf.tidy(() => (model.predict(tf.tensor(input, [count, ...sampleShape])) as tf.Tensor).dataSync());
  const actual = plan.predict(input, count);
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst;
}
