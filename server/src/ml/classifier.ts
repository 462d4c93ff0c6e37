/**
 * Inference for the API: one loaded model answering single-image requests,
 * micro-batched so that concurrent requests share one forward pass, each
 * pass run by the model's compiled {@link InferencePlan} (folded BatchNorm,
 * fused kernels) when it has one, else by `model.predict`.
 */
import * as tf from '@tensorflow/tfjs';
import { loadModelFromArtifacts, type ModelArtifacts } from './artifacts.js';
import { initBackend } from './backend.js';
import { compileInferencePlan, type InferencePlan } from './inference-plan.js';
import { MicroBatcher } from '../util/micro-batch.js';
import { IMAGE_SIZE, NUM_CLASSES, PIXELS } from './mnist.js';

export interface ClassifierOptions {
  /**
   * Most images per forward pass; calls beyond it wait for the next pass.
   * @default 64
   */
  maxBatch?: number;
}

/** Thrown by {@link Classifier.predict} on a disposed classifier. */
export class ClassifierDisposedError extends Error {
  override name = 'ClassifierDisposedError';
}

/** What runs the forward passes: the compiled plan, or `model.predict` and why. */
export type InferenceEngine = { engine: 'plan' } | { engine: 'layers'; reason: string };

export class Classifier {
  private readonly batcher: MicroBatcher<Float32Array, Float32Array>;
  private readonly plan: InferencePlan | undefined;
  private disposed = false;
  readonly engine: InferenceEngine;

  /** Wraps a loaded model mapping `[n, 28, 28, 1]` to `[n, 10]` probabilities; the classifier owns it from now on. */
  constructor(
    private readonly model: tf.LayersModel,
    options: ClassifierOptions = {},
  ) {
    const compiled = compileInferencePlan(model);
    this.plan = 'plan' in compiled ? compiled.plan : undefined;
    this.engine = 'plan' in compiled ? { engine: 'plan' } : { engine: 'layers', reason: compiled.reason };
    this.batcher = new MicroBatcher({ run: (images) => this.forward(images), maxBatch: options.maxBatch ?? 64 });
  }

  /** Initialises the backend (once per process) and loads the model. */
  static async fromArtifacts(artifacts: ModelArtifacts, options?: ClassifierOptions): Promise<Classifier> {
    await initBackend();
    const model = await loadModelFromArtifacts(artifacts);
    const classifier = new Classifier(model, options);
    // The first call compiles kernels and allocates buffers; pay that here, not on the first request.
    classifier.run(new Float32Array(PIXELS), 1);
    return classifier;
  }

  /**
   * Class probabilities of one image. Calls arriving before the event loop's
   * next check phase (the same tick, or I/O handled in the same poll) run as
   * one batch.
   *
   * @param pixels 784 values, 28×28 row-major, ink 1 on background 0
   * @returns 10 probabilities, index = digit
   */
  predict(pixels: Float32Array): Promise<Float32Array> {
    if (this.disposed) return Promise.reject(new ClassifierDisposedError('the classifier was disposed; load the model again'));
    if (!(pixels instanceof Float32Array) || pixels.length !== PIXELS) {
      return Promise.reject(new Error(`predict expects a Float32Array of ${PIXELS} pixels, got ${pixels?.length ?? typeof pixels}`));
    }
    return this.batcher.add(pixels);
  }

  /**
   * Class probabilities of many images at once (evaluation), in chunks of
   * `chunk` (128 keeps the activations in cache; 500 ran ~10 % slower).
   *
   * @param images shape `[n, 28, 28]` flattened
   * @returns shape `[n, 10]` flattened
   */
  predictBatch(images: Float32Array, chunk = 128): Float32Array {
    if (this.disposed) throw new ClassifierDisposedError('the classifier was disposed; load the model again');
    const n = images.length / PIXELS;
    if (!Number.isInteger(n)) throw new Error(`expects images of length n × ${PIXELS}, got ${images.length}`);
    const out = new Float32Array(n * NUM_CLASSES);
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      out.set(this.run(images.subarray(start * PIXELS, (start + count) * PIXELS), count), start * NUM_CLASSES);
    }
    return out;
  }

  /** Frees the model; queued calls are rejected. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.batcher.rejectPending(new ClassifierDisposedError('the classifier was disposed before the prediction ran'));
    this.plan?.dispose();
    this.model.dispose();
  }

  /** One forward pass over `count` packed images: probabilities of shape `[count, 10]` flattened. */
  private run(images: Float32Array, count: number): Float32Array {
    return this.plan ? this.plan.predict(images, count) : predictProbabilities(this.model, images, count);
  }

  /** One forward pass over a batch of images. */
  private forward(images: Float32Array[]): Float32Array[] {
    const input = new Float32Array(images.length * PIXELS);
    images.forEach((pixels, i) => input.set(pixels, i * PIXELS));
    const probs = this.run(input, images.length);
    return images.map((_, i) => probs.slice(i * NUM_CLASSES, (i + 1) * NUM_CLASSES));
  }
}

/**
 * Runs `model` over images in chunks, inside `tf.tidy`.
 *
 * @param images shape `[n, 28, 28]` flattened, ink 1
 * @returns probabilities of shape `[n, 10]` flattened
 */
export function predictProbabilities(model: tf.LayersModel, images: Float32Array, chunk = 128): Float32Array {
  const n = images.length / PIXELS;
  if (!Number.isInteger(n)) throw new Error(`expects images of length n × ${PIXELS}, got ${images.length}`);
  const out = new Float32Array(n * NUM_CLASSES);
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    const probs = tf.tidy(() => {
      const x = tf.tensor4d(images.subarray(start * PIXELS, (start + count) * PIXELS), [count, IMAGE_SIZE, IMAGE_SIZE, 1]);
      return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    });
    out.set(probs, start * NUM_CLASSES);
  }
  return out;
}
