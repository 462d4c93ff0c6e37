/**
 * The digit classifier: a compact CNN sized for single-threaded wasm SIMD.
 *
 * Input `[n, 28, 28, 1]` (ink 1, background 0, MNIST geometry); output
 * `[n, 10]` class probabilities. The last Dense layer, named
 * {@link LOGITS_LAYER}, gives the logits that training feeds to a numerically
 * stable softmax cross-entropy; the saved model ends in a softmax so that
 * `model.predict` returns probabilities.
 */
import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIZE, NUM_CLASSES } from './mnist.js';

/** Name of the Dense layer whose output are the logits. */
export const LOGITS_LAYER = 'logits';

/** Architecture knobs; {@link DEFAULT_MODEL_OPTIONS} is the committed model's. */
export interface ModelOptions {
  /** Seed of the weight initialisers, so a training run repeats exactly. @default 42 */
  seed?: number;
  /** Output channels of the 3×3 conv blocks; each block but the last ends in a 2×2 max-pool. */
  filters?: number[];
  /** 3×3 convs per block (each conv → BatchNorm → ReLU). */
  convsPerBlock?: number;
  /** Units of the hidden Dense layer before the logits; 0 for none. */
  dense?: number;
  /** Dropout rate before the logits layer; 0 for none. */
  dropout?: number;
}

export const DEFAULT_MODEL_OPTIONS: Required<ModelOptions> = {
  seed: 42,
  filters: [16, 32, 64],
  convsPerBlock: 1,
  dense: 128,
  dropout: 0.25,
};

/**
 * Builds an untrained CNN:
 * per entry of `filters`, 3×3 convs each followed by BN + ReLU, the block's
 * last one by a 2×2 max-pool before its BN (28 → 14 → 7 → 3 px), flatten, optional Dense+BN+ReLU, dropout, Dense(10)
 * logits, softmax.
 *
 * @returns an uncompiled model mapping `[n, 28, 28, 1]` to `[n, 10]` probabilities
 */
export function createModel(options: ModelOptions = {}): tf.LayersModel {
  const o = { ...DEFAULT_MODEL_OPTIONS, ...options };
  let seed = o.seed;
  // Each initialiser gets its own seed: with one shared seed every layer of a
  // given shape would start from identical weights.
  const init = () => tf.initializers.heNormal({ seed: seed++ });

  const model = tf.sequential({ name: 'digits' });
  model.add(tf.layers.inputLayer({ inputShape: [IMAGE_SIZE, IMAGE_SIZE, 1] }));
  for (const filters of o.filters) {
    for (let i = 0; i < o.convsPerBlock; i++) {
      // BatchNorm supplies the shift, so the convs need no bias.
      model.add(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init() }));
      // Pooling before BatchNorm + ReLU runs both on a quarter of the pixels
      // (the step's largest elementwise cost on wasm); max-pool commutes with
      // them where BN's scale is positive, which it is in practice.
      if (i === o.convsPerBlock - 1) model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      model.add(tf.layers.batchNormalization({ momentum: 0.9 }));
      model.add(tf.layers.reLU());
    }
  }
  model.add(tf.layers.flatten());
  if (o.dense > 0) {
    model.add(tf.layers.dense({ units: o.dense, useBias: false, kernelInitializer: init() }));
    model.add(tf.layers.batchNormalization({ momentum: 0.9 }));
    model.add(tf.layers.reLU());
  }
  if (o.dropout > 0) model.add(tf.layers.dropout({ rate: o.dropout }));
  model.add(
    tf.layers.dense({ units: NUM_CLASSES, name: LOGITS_LAYER, kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) }),
  );
  model.add(tf.layers.softmax());
  return model;
}

/**
 * A view of `model` that stops at the logits layer and shares its weights,
 * for training with a softmax cross-entropy on logits.
 *
 * @returns a model mapping `[n, 28, 28, 1]` to `[n, 10]` logits
 */
export function logitsModel(model: tf.LayersModel): tf.LayersModel {
  return tf.model({ inputs: model.inputs, outputs: model.getLayer(LOGITS_LAYER).output as tf.SymbolicTensor });
}
