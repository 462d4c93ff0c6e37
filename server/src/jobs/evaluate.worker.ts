/**
 * Worker-thread entry that evaluates a freshly trained model — and the model
 * it may replace — off the main thread (10,000 test digits take seconds of
 * CPU, which would stall the API). Start it with `evaluateInWorker`
 * (evaluate.runner.ts):
 *
 * - `workerData`: {@link EvaluateWorkerData}
 * - worker → parent: one {@link EvaluateWorkerMessage}, `result` or `error`.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs';
import { loadModelFromArtifacts, type ModelArtifacts } from '../ml/artifacts.js';
import { initBackend } from '../ml/backend.js';
import { lowerThreadPriority } from '../ml/thread-priority.js';
import { predictProbabilities } from '../ml/classifier.js';
import { accuracy, evaluate } from '../ml/evaluate.js';
import { loadMnist } from '../ml/mnist.js';
import { storeEvaluation, type StoredEvaluation } from '../services/training-metrics.js';

export interface EvaluateWorkerData {
  candidate: ModelArtifacts;
  /** The version active when the job started, scored on the same holdout; null without one. */
  base: ModelArtifacts | null;
  /** Also score `base` on the MNIST test set (when its stored figure cannot be reused). */
  baseOnTest: boolean;
  /** How many MNIST test digits to score (the first n of 10,000). */
  testLimit: number;
  /** The user holdout: images `[n, 28, 28]` flattened (ink 1), labels `[n]`, prediction ids `[n]`. */
  holdout: { images: Float32Array; labels: Uint8Array; ids: string[] };
  /** Points kept per ROC / PR curve. */
  curvePoints: number;
  /** Nice value of this thread (Linux), so the API's request thread goes first. */
  niceness: number;
}

export interface EvaluateWorkerResult {
  test: StoredEvaluation;
  /** Null when the holdout is empty. */
  holdout: StoredEvaluation | null;
  base: { testAccuracy: number | null; userHoldoutAccuracy: number | null } | null;
  durationMs: number;
}

export type EvaluateWorkerMessage =
  | ({ type: 'result' } & EvaluateWorkerResult)
  | { type: 'error'; name: string; message: string; stack?: string };

/** Loads `artifacts` once and scores each image set with it; probabilities `[n, 10]` per set. */
async function score(artifacts: ModelArtifacts, ...sets: Float32Array[]): Promise<Float32Array[]> {
  const model: tf.LayersModel = await loadModelFromArtifacts(artifacts);
  try {
    return sets.map((images) => predictProbabilities(model, images));
  } finally {
    model.dispose();
  }
}

async function main(): Promise<void> {
  const port = parentPort!;
  const data = workerData as EvaluateWorkerData;
  const started = performance.now();
  lowerThreadPriority(data.niceness);
  try {
    await initBackend();
    const test = loadMnist('test', data.testLimit);
    const options = { curvePoints: data.curvePoints };
    const hasHoldout = data.holdout.labels.length > 0;
    const [testProbs, holdoutProbs] = await score(data.candidate, test.images, data.holdout.images);
    const testReport = evaluate(testProbs, test.labels, options);
    const holdoutReport = hasHoldout ? evaluate(holdoutProbs, data.holdout.labels, options) : null;
    let base: EvaluateWorkerResult['base'] = null;
    if (data.base) {
      const [baseTest, baseHoldout] = await score(data.base, data.baseOnTest ? test.images : new Float32Array(0), data.holdout.images);
      base = {
        testAccuracy: data.baseOnTest ? accuracy(baseTest, test.labels) : null,
        userHoldoutAccuracy: hasHoldout ? accuracy(baseHoldout, data.holdout.labels) : null,
      };
    }
    const message: EvaluateWorkerMessage = {
      type: 'result',
      test: storeEvaluation(testReport, (i) => i),
      holdout: holdoutReport && storeEvaluation(holdoutReport, (i) => data.holdout.ids[i]),
      base,
      durationMs: performance.now() - started,
    };
    port.postMessage(message);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ type: 'error', name: e.name, message: e.message, stack: e.stack } satisfies EvaluateWorkerMessage);
  } finally {
    port.close();
  }
}

if (!isMainThread && parentPort) void main();
