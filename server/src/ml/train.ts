/**
 * The training loop: a manual Adam loop over MNIST (plus optional user
 * samples) with seeded shuffling, augmentation and initialisation, a one-cycle
 * learning-rate schedule, progress callbacks and cancellation.
 *
 * Runs wherever it is called — the training worker thread or a test — and
 * keeps that thread busy, yielding to the event loop after every batch so an
 * AbortSignal (or a worker's cancel message) is seen within one batch.
 */
import * as tf from '@tensorflow/tfjs';
import { exportArtifacts, loadModelFromArtifacts, validateArtifacts, type ModelArtifacts } from './artifacts.js';
import { augmentBatch, type AugmentOptions } from './augment.js';
import { initBackend } from './backend.js';
import { predictProbabilities } from './classifier.js';
import { perClassSummary } from './evaluate.js';
import { registerFastGradients } from './gradients.js';
import { IMAGE_SIZE, loadMnist, NUM_CLASSES, PIXELS } from './mnist.js';
import { createModel, logitsModel, type ModelOptions } from './model.js';
import { Rng } from './rng.js';
import { ShardThreads } from './train-shards.js';
import { applyShards, readVariables, shardGradients, stepModel, type Shard, type StepModel, type StepSettings } from './train-step.js';

/** Labelled digits, images `[n, 28, 28]` flattened (ink 1), labels `[n]`. */
export interface LabelledImages {
  images: Float32Array;
  labels: Uint8Array;
}

export interface TrainOptions {
  /** Passes over the training data. */
  epochs: number;
  batchSize: number;
  /** Peak Adam learning rate of the one-cycle schedule. */
  learningRate: number;
  /** How many of the 60,000 MNIST training digits to use (the first ones); 0 for user samples only. */
  mnistLimit: number;
  /** Seeds weight initialisation, shuffling, augmentation and dropout. */
  seed: number;
  /** Augment each batch (true for the defaults, or custom ranges). */
  augment: boolean | AugmentOptions;
  /** More training samples (user drawings), each counting `weight` times an MNIST digit in the loss. */
  extraSamples?: LabelledImages & { weight?: number };
  /** Held-out samples scored after each epoch (loss, accuracy, per class). */
  validation?: LabelledImages;
  /** Score the 10,000 MNIST test digits after each epoch. @default false */
  evaluateTest?: boolean;
  /** Also score the MNIST test set every this many batches (benchmarks); 0 for never. @default 0 */
  testEvalEveryBatches?: number;
  /** Label smoothing of the cross-entropy. @default 0.05 */
  labelSmoothing?: number;
  /** Fraction of all steps spent warming the learning rate up from a tenth of its peak. @default 0.05 */
  warmupFraction?: number;
  /** Architecture; the default model's when omitted (the seed always comes from `seed`). */
  model?: Omit<ModelOptions, 'seed'>;
  /**
   * Fine-tune this model (topology and weights, e.g. the active version's)
   * instead of training a fresh {@link createModel}; `model` is then ignored.
   * Its BatchNorm statistics keep updating and its dropout stays on in training.
   */
  initialModel?: ModelArtifacts;
  /**
   * Threads computing each batch (data parallel): the batch is cut into this
   * many shards, whose gradients are averaged into one step. How the work is
   * run, not the recipe, except that BatchNorm normalises each shard by its
   * own statistics. @default 1
   */
  threads?: number;
  /** Nice value of the helper threads when `threads` > 1 (see thread-priority.ts). @default 0 */
  niceness?: number;
}

export interface BatchProgress {
  epoch: number;
  /** 0-based index of the batch within the epoch. */
  batch: number;
  batches: number;
  /** Mean loss of this batch. */
  loss: number;
  /** Accuracy on this (augmented) batch. */
  accuracy: number;
  /** Training throughput since the epoch started. */
  samplesPerSec: number;
  learningRate: number;
}

export interface EpochResult {
  /** 1-based. */
  epoch: number;
  /** Mean training loss and accuracy over the epoch's batches. */
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Validation accuracy per digit, index = digit. */
  perClassValAccuracy?: number[];
  /** Mean probability given to the true digit on validation, per digit. */
  perClassMeanConfidence?: number[];
  testAccuracy?: number;
  samplesPerSec: number;
  /** Seconds this epoch took (training and scoring). */
  seconds: number;
  etaSeconds: number;
}

export interface TestEval {
  epoch: number;
  /** Batches done in the current epoch. */
  batch: number;
  samplesSeen: number;
  /** Training time so far, excluding scoring. */
  trainSeconds: number;
  /** Wall time since the loop started, including scoring. */
  wallSeconds: number;
  testAccuracy: number;
}

export interface TrainCallbacks {
  /** After every batch; throttle in the callback if needed. */
  onBatch?: (p: BatchProgress) => void;
  onEpochEnd?: (e: EpochResult) => void;
  /** After each `testEvalEveryBatches` scoring. */
  onTestEval?: (e: TestEval) => void;
}

export interface TrainResult {
  /** The trained model (softmax output), owned by the caller. */
  model: tf.LayersModel;
  history: EpochResult[];
  durationMs: number;
  backend: string;
  /** Training samples per epoch (MNIST + extra). */
  samples: number;
  /** Mean throughput over all epochs, training time only. */
  samplesPerSec: number;
}

/** Thrown when the AbortSignal fires; `name` is 'AbortError' as for fetch. */
export class TrainingCancelledError extends Error {
  override name = 'AbortError';
}

/** The recipe of the committed default model (`npm run train` with no flags). */
export const DEFAULT_TRAIN_OPTIONS = {
  epochs: 15,
  batchSize: 128,
  learningRate: 0.004,
  mnistLimit: 60_000,
  seed: 42,
  augment: true,
  labelSmoothing: 0.05,
  warmupFraction: 0.05,
} satisfies TrainOptions;

/**
 * One-cycle schedule: linear warm-up from peak/10 to the peak over the first
 * `warmup` fraction of steps, then cosine decay to peak/1000.
 */
export function learningRateAt(step: number, totalSteps: number, peak: number, warmup: number): number {
  const warmupSteps = Math.max(1, Math.round(totalSteps * warmup));
  if (step < warmupSteps) return peak * (0.1 + (0.9 * step) / warmupSteps);
  const t = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  const floor = peak / 1000;
  return floor + ((peak - floor) * (1 + Math.cos(Math.PI * t))) / 2;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`train: ${message}`);
}

function validateLabelled(name: string, set: LabelledImages | undefined): void {
  if (set === undefined) return;
  check(set.images instanceof Float32Array && set.labels instanceof Uint8Array, `expects ${name} to be {images: Float32Array, labels: Uint8Array}`);
  check(set.images.length === set.labels.length * PIXELS, `expects ${name}.images to hold ${set.labels.length} × ${PIXELS} pixels for its ${set.labels.length} labels, got ${set.images.length}`);
  const bad = set.labels.findIndex((l) => l >= NUM_CLASSES);
  check(bad < 0, `expects ${name}.labels to be digits 0–9, got ${set.labels[bad]} at index ${bad}`);
}

/** Checks options from untrusted places (worker messages, CLI) with messages that say what to fix. */
/** Most threads one training run may use. */
export const MAX_TRAIN_THREADS = 16;

/** Fewest samples a shard gets: smaller shards make BatchNorm's batch statistics too noisy. */
const MIN_SHARD = 16;

/** Cuts `n` samples into at most `threads` contiguous shards of at least {@link MIN_SHARD} (one shard when n is small). */
export function shardSizes(n: number, threads: number): number[] {
  const count = Math.max(1, Math.min(threads, Math.floor(n / MIN_SHARD)));
  return Array.from({ length: count }, (_, i) => Math.floor((n * (i + 1)) / count) - Math.floor((n * i) / count));
}

export function validateTrainOptions(o: TrainOptions): void {
  check(Number.isInteger(o.epochs) && o.epochs >= 1 && o.epochs <= 1000, `expects epochs to be an integer from 1 to 1000, got ${o.epochs}`);
  check(Number.isInteger(o.batchSize) && o.batchSize >= 2 && o.batchSize <= 4096, `expects batchSize to be an integer from 2 to 4096, got ${o.batchSize}`);
  check(Number.isFinite(o.learningRate) && o.learningRate > 0 && o.learningRate <= 1, `expects learningRate in (0, 1], got ${o.learningRate}`);
  check(Number.isInteger(o.mnistLimit) && o.mnistLimit >= 0 && o.mnistLimit <= 60_000, `expects mnistLimit to be an integer from 0 to 60000, got ${o.mnistLimit}`);
  check(Number.isInteger(o.seed), `expects seed to be an integer, got ${o.seed}`);
  validateLabelled('extraSamples', o.extraSamples);
  validateLabelled('validation', o.validation);
  const weight = o.extraSamples?.weight ?? 1;
  check(Number.isFinite(weight) && weight > 0 && weight <= 100, `expects extraSamples.weight in (0, 100], got ${weight}`);
  const total = o.mnistLimit + (o.extraSamples?.labels.length ?? 0);
  check(total >= 2, `needs at least 2 training samples, got ${total} (raise mnistLimit or add samples)`);
  const smoothing = o.labelSmoothing ?? 0;
  check(smoothing >= 0 && smoothing < 1, `expects labelSmoothing in [0, 1), got ${smoothing}`);
  const warmup = o.warmupFraction ?? DEFAULT_TRAIN_OPTIONS.warmupFraction;
  check(warmup >= 0 && warmup < 1, `expects warmupFraction in [0, 1), got ${warmup}`);
  if (o.initialModel !== undefined) validateArtifacts(o.initialModel, 'train: initialModel');
  const threads = o.threads ?? 1;
  check(Number.isInteger(threads) && threads >= 1 && threads <= MAX_TRAIN_THREADS, `expects threads to be an integer from 1 to ${MAX_TRAIN_THREADS}, got ${threads}`);
}

/** Mean cross-entropy of probabilities `[n, 10]` against labels, probabilities clipped at 1e-7. */
function meanCrossEntropy(probs: Float32Array, labels: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum -= Math.log(Math.max(probs[i * NUM_CLASSES + labels[i]], 1e-7));
  return labels.length ? sum / labels.length : 0;
}

/**
 * One optimizer step over a batch cut into shards: shard 0 here, the others
 * in the helper threads at the same time (sent the weights first when the
 * previous step changed them); then the averaged gradients are applied.
 * `whileWaiting` runs after shard 0, while the helpers may still compute.
 *
 * @returns the batch's mean loss and correct answers
 */
async function trainStep(
  m: StepModel,
  settings: StepSettings,
  optimizer: tf.Optimizer,
  shards: Shard[],
  helpers: ShardThreads | undefined,
  weightsChanged: boolean,
  whileWaiting: () => void,
): Promise<{ loss: number; correct: number }> {
  const weights = helpers && shards.length > 1 && weightsChanged
    ? { trainable: readVariables(m.trainable), nonTrainable: readVariables(m.nonTrainable) }
    : undefined;
  const remote = helpers && shards.length > 1 ? helpers.step(shards.slice(1), weights) : Promise.resolve([]);
  // A failed local shard must not leave the helpers' step unobserved.
  remote.catch(() => undefined);
  let local: ReturnType<typeof shardGradients> | undefined;
  let others: Awaited<typeof remote>;
  try {
    local = shardGradients(m, settings, shards[0]);
    whileWaiting();
    others = await remote;
  } catch (error) {
    if (local) tf.dispose(local.grads);
    throw error;
  }
  return applyShards(m, optimizer, local, others);
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Trains a fresh model, or fine-tunes `options.initialModel`.
 *
 * @throws TrainingCancelledError when `signal` aborts (checked before every batch)
 */
export async function train(options: TrainOptions, callbacks: TrainCallbacks = {}, signal?: AbortSignal): Promise<TrainResult> {
  validateTrainOptions(options);
  const backend = await initBackend();
  registerFastGradients();
  const started = performance.now();
  const o = {
    labelSmoothing: DEFAULT_TRAIN_OPTIONS.labelSmoothing,
    warmupFraction: DEFAULT_TRAIN_OPTIONS.warmupFraction,
    evaluateTest: false,
    testEvalEveryBatches: 0,
    ...options,
  };

  const mnist = o.mnistLimit > 0 ? loadMnist('train', o.mnistLimit) : { images: new Float32Array(0), labels: new Uint8Array(0), count: 0 };
  const extra = o.extraSamples;
  const extraCount = extra?.labels.length ?? 0;
  const extraWeight = extra?.weight ?? 1;
  const total = mnist.count + extraCount;
  const weighted = extraCount > 0 && extraWeight !== 1;
  const test = o.evaluateTest || o.testEvalEveryBatches > 0 ? loadMnist('test') : undefined;

  const rng = new Rng(o.seed);
  const shuffleRng = new Rng(rng.seed());
  const augmentRng = new Rng(rng.seed());
  const dropoutRng = new Rng(rng.seed());
  const augmentOptions = o.augment === false ? undefined : o.augment === true ? {} : o.augment;

  const model = o.initialModel ? await loadModelFromArtifacts(o.initialModel) : createModel({ ...o.model, seed: o.seed });
  const logits = logitsModel(model);
  const stepper = stepModel(model, logits);
  const settings: StepSettings = { labelSmoothing: o.labelSmoothing, weighted };
  const helpers = (o.threads ?? 1) > 1
    ? await ShardThreads.start((o.threads ?? 1) - 1, { artifacts: await exportArtifacts(model), backend, settings, niceness: o.niceness })
    : undefined;
  // The helpers start from the model as exported; afterwards each step sends the weights the last step made.
  let weightsChanged = false;
  const optimizer = tf.train.adam(o.learningRate);
  const setLearningRate = (lr: number) => {
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
  };

  const bs = o.batchSize;
  // A last batch of a handful of samples gives BatchNorm useless statistics; drop it.
  const batches = total % bs >= Math.min(8, bs) ? Math.ceil(total / bs) : Math.max(1, Math.floor(total / bs));
  const totalSteps = batches * o.epochs;
  const order = new Uint32Array(total).map((_, i) => i);
  const xBuf = new Float32Array(bs * PIXELS);
  const yBuf = new Int32Array(bs);
  const wBuf = new Float32Array(bs);
  const history: EpochResult[] = [];
  let trainMs = 0;
  let samplesSeen = 0;
  let step = 0;

  const scoreTest = (epoch: number, batch: number) => {
    const probs = predictProbabilities(model, test!.images);
    const { accuracy } = perClassSummary(probs, test!.labels);
    return { epoch, batch, samplesSeen, trainSeconds: trainMs / 1000, wallSeconds: (performance.now() - started) / 1000, testAccuracy: accuracy };
  };

  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const epochStart = performance.now();
      let epochTrainMs = 0;
      let epochSamples = 0;
      let lossSum = 0;
      let correctSum = 0;
      shuffleRng.shuffle(order);
      /** Gathers (and augments) batch `b` of this epoch into the buffers; returns its size. */
      const fill = (b: number): number => {
        const start = b * bs;
        const n = Math.min(bs, total - start);
        for (let i = 0; i < n; i++) {
          const k = order[start + i];
          if (k < mnist.count) {
            xBuf.set(mnist.images.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
            yBuf[i] = mnist.labels[k];
            wBuf[i] = 1;
          } else {
            const e = k - mnist.count;
            xBuf.set(extra!.images.subarray(e * PIXELS, (e + 1) * PIXELS), i * PIXELS);
            yBuf[i] = extra!.labels[e];
            wBuf[i] = extraWeight;
          }
        }
        if (augmentOptions) augmentBatch(xBuf.subarray(0, n * PIXELS), xBuf.subarray(0, n * PIXELS), augmentRng, augmentOptions, yBuf.subarray(0, n));
        return n;
      };
      let filled = fill(0);
      for (let b = 0; b < batches; b++) {
        if (signal?.aborted) throw new TrainingCancelledError('training was cancelled');
        const t0 = performance.now();
        const n = filled;
        const x = xBuf.subarray(0, n * PIXELS);
        const lr = learningRateAt(step, totalSteps, o.learningRate, o.warmupFraction);
        setLearningRate(lr);
        let offset = 0;
        const shards = shardSizes(n, helpers ? helpers.size + 1 : 1).map((size): Shard => {
          const at = offset;
          offset += size;
          return {
            x: x.slice(at * PIXELS, (at + size) * PIXELS),
            labels: yBuf.slice(at, at + size),
            weights: weighted ? wBuf.slice(at, at + size) : undefined,
            dropoutSeeds: stepper.dropouts.map(() => dropoutRng.int(2 ** 31)),
          };
        });
        // The shards hold copies, so the buffers take the next batch while the helpers compute.
        const { loss, correct } = await trainStep(stepper, settings, optimizer, shards, helpers, weightsChanged, () => {
          if (b + 1 < batches) filled = fill(b + 1);
        });
        weightsChanged = true;
        if (!Number.isFinite(loss)) throw new Error(`train: the loss became ${loss} at epoch ${epoch}, batch ${b + 1}; lower the learning rate`);

        step++;
        samplesSeen += n;
        epochSamples += n;
        lossSum += loss * n;
        correctSum += correct;
        const dt = performance.now() - t0;
        trainMs += dt;
        epochTrainMs += dt;
        callbacks.onBatch?.({
          epoch,
          batch: b,
          batches,
          loss,
          accuracy: correct / n,
          samplesPerSec: (epochSamples / epochTrainMs) * 1000,
          learningRate: lr,
        });
        if (test && o.testEvalEveryBatches > 0 && (b + 1) % o.testEvalEveryBatches === 0 && b + 1 < batches) {
          callbacks.onTestEval?.(scoreTest(epoch, b + 1));
        }
        await yieldToEventLoop();
      }

      const result: EpochResult = {
        epoch,
        loss: lossSum / epochSamples,
        accuracy: correctSum / epochSamples,
        samplesPerSec: (epochSamples / epochTrainMs) * 1000,
        seconds: 0,
        etaSeconds: 0,
      };
      if (o.validation) {
        const probs = predictProbabilities(model, o.validation.images);
        const summary = perClassSummary(probs, o.validation.labels);
        result.valLoss = meanCrossEntropy(probs, o.validation.labels);
        result.valAccuracy = summary.accuracy;
        result.perClassValAccuracy = summary.perClassAccuracy;
        result.perClassMeanConfidence = summary.perClassMeanConfidence;
      }
      if (test && (o.evaluateTest || o.testEvalEveryBatches > 0)) {
        const e = scoreTest(epoch, batches);
        result.testAccuracy = e.testAccuracy;
        if (o.testEvalEveryBatches > 0) callbacks.onTestEval?.(e);
      }
      result.seconds = (performance.now() - epochStart) / 1000;
      const meanEpoch = (performance.now() - started) / 1000 / epoch;
      result.etaSeconds = meanEpoch * (o.epochs - epoch);
      history.push(result);
      callbacks.onEpochEnd?.(result);
    }
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    optimizer.dispose();
    await helpers?.dispose();
  }
  // Dropout seeds are per-batch noise, not part of the model.
  for (const d of stepper.dropouts) d.seed = undefined;
  return {
    model,
    history,
    durationMs: performance.now() - started,
    backend,
    samples: total,
    samplesPerSec: (samplesSeen / trainMs) * 1000,
  };
}
