/**
 * Runs evaluate.worker.ts in a worker thread and hands back its result.
 */
import { Worker } from 'node:worker_threads';
import type { EvaluateWorkerData, EvaluateWorkerMessage, EvaluateWorkerResult } from './evaluate.worker.js';

/**
 * Evaluates in a new worker thread; aborting `signal` terminates it.
 *
 * @throws Error with the worker's message when evaluation fails, the worker dies or `signal` aborts
 */
export function evaluateInWorker(data: EvaluateWorkerData, signal?: AbortSignal): Promise<EvaluateWorkerResult> {
  if (signal?.aborted) return Promise.reject(abortError());
  const worker = new Worker(new URL('./evaluate.worker.js', import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => {
      void worker.terminate();
      settle(() => reject(abortError()));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (msg: EvaluateWorkerMessage) => {
      if (msg.type === 'result') {
        const { type: _type, ...result } = msg;
        settle(() => resolve(result));
      } else {
        const error = new Error(`evaluation failed: ${msg.message}`);
        if (msg.stack) error.stack = msg.stack;
        settle(() => reject(error));
      }
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the evaluation worker exited with code ${code} before sending a result`))));
  });
}

function abortError(): Error {
  const error = new Error('evaluation was cancelled');
  error.name = 'AbortError';
  return error;
}
