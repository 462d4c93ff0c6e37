/**
 * Runs a training job in a `worker_threads` Worker (train.worker.ts), so the
 * calling thread — the API server or the CLI's progress bar — stays
 * responsive, and hands back the trained model as artifacts.
 */
import { Worker } from 'node:worker_threads';
import type { ModelArtifacts } from './artifacts.js';
import type { BatchProgress, EpochResult, TestEval, TrainOptions } from './train.js';
import { TrainingCancelledError } from './train.js';
import type { TrainWorkerData, TrainWorkerMessage } from './train.worker.js';

export interface TrainInWorkerResult {
  artifacts: ModelArtifacts;
  history: EpochResult[];
  durationMs: number;
  backend: string;
  samples: number;
  samplesPerSec: number;
}

export interface TrainInWorkerCallbacks {
  /** At most every `batchIntervalMs`, plus the last batch of each epoch. */
  onBatch?: (p: BatchProgress) => void;
  onEpochEnd?: (e: EpochResult) => void;
  onTestEval?: (e: TestEval) => void;
}

export interface TrainInWorkerOptions {
  /** @default 200 */
  batchIntervalMs?: number;
  /** After a cancel, how long to wait for the worker to stop by itself before terminating it. @default 10_000 // 10 seconds */
  cancelGraceMs?: number;
  /** Extra flags for the worker's Node (tests use a smaller heap). */
  execArgv?: string[];
  /** Nice value of the training thread (Linux), so a server's request thread goes first. @default 0 // unchanged */
  niceness?: number;
}

/**
 * Trains in a new worker thread.
 *
 * @throws TrainingCancelledError when `signal` aborts (the worker stops within one batch)
 * @throws Error with the worker's message when training fails or the worker dies
 */
export function trainInWorker(
  options: TrainOptions,
  callbacks: TrainInWorkerCallbacks = {},
  signal?: AbortSignal,
  runner: TrainInWorkerOptions = {},
): Promise<TrainInWorkerResult> {
  if (signal?.aborted) return Promise.reject(new TrainingCancelledError('training was cancelled before it started'));
  const data: TrainWorkerData = { options, batchIntervalMs: runner.batchIntervalMs, niceness: runner.niceness };
  const worker = new Worker(new URL('./train.worker.js', import.meta.url), { workerData: data, execArgv: runner.execArgv });
  return new Promise<TrainInWorkerResult>((resolve, reject) => {
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' });
      killTimer = setTimeout(() => {
        void worker.terminate();
        settle(() => reject(new TrainingCancelledError('training was cancelled (worker terminated)')));
      }, runner.cancelGraceMs ?? 10_000);
      killTimer.unref();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (msg: TrainWorkerMessage) => {
      switch (msg.type) {
        case 'batch':
          callbacks.onBatch?.(msg.progress);
          break;
        case 'epoch':
          callbacks.onEpochEnd?.(msg.result);
          break;
        case 'testEval':
          callbacks.onTestEval?.(msg.result);
          break;
        case 'result': {
          const { type: _type, ...result } = msg;
          settle(() => resolve(result));
          break;
        }
        case 'cancelled':
          settle(() => reject(new TrainingCancelledError('training was cancelled')));
          break;
        case 'error': {
          const error = new Error(msg.message);
          error.name = msg.name;
          if (msg.stack) error.stack = msg.stack;
          settle(() => reject(error));
          break;
        }
      }
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => {
      if (killTimer) clearTimeout(killTimer);
      settle(() => reject(new Error(`the training worker exited with code ${code} before sending a result`)));
    });
  });
}
