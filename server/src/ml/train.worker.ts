/**
 * Worker-thread entry that runs {@link train} off the main thread; start it
 * with {@link trainInWorker} (train.runner.ts), which speaks this protocol:
 *
 * - `workerData`: {@link TrainWorkerData}
 * - parent → worker: `{ type: 'cancel' }`
 * - worker → parent: {@link TrainWorkerMessage} — `batch` (throttled),
 *   `epoch`, then exactly one of `result` (weights buffer transferred),
 *   `cancelled` or `error`.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { ModelArtifacts } from './artifacts.js';
import { exportArtifacts } from './artifacts.js';
import { lowerThreadPriority } from './thread-priority.js';
import { train, type BatchProgress, type EpochResult, type TestEval, type TrainOptions } from './train.js';

export interface TrainWorkerData {
  options: TrainOptions;
  /** Least milliseconds between two `batch` messages. @default 200 */
  batchIntervalMs?: number;
  /** Nice value of this thread (Linux), so a server's request thread goes first. @default 0 // unchanged */
  niceness?: number;
}

export type TrainWorkerMessage =
  | { type: 'batch'; progress: BatchProgress }
  | { type: 'epoch'; result: EpochResult }
  | { type: 'testEval'; result: TestEval }
  | {
      type: 'result';
      artifacts: ModelArtifacts;
      history: EpochResult[];
      durationMs: number;
      backend: string;
      samples: number;
      samplesPerSec: number;
    }
  | { type: 'cancelled' }
  | { type: 'error'; name: string; message: string; stack?: string };

export type TrainWorkerCommand = { type: 'cancel' };

async function main(): Promise<void> {
  const port = parentPort!;
  const data = workerData as TrainWorkerData;
  if (data.niceness) lowerThreadPriority(data.niceness);
  const controller = new AbortController();
  port.on('message', (msg: unknown) => {
    if ((msg as TrainWorkerCommand | null)?.type === 'cancel') controller.abort();
  });
  const post = (msg: TrainWorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
  const interval = data.batchIntervalMs ?? 200;
  let lastBatch = 0;
  try {
    const result = await train(
      data.options,
      {
        onBatch: (progress) => {
          const now = performance.now();
          if (now - lastBatch < interval && progress.batch !== progress.batches - 1) return;
          lastBatch = now;
          post({ type: 'batch', progress });
        },
        onEpochEnd: (result) => post({ type: 'epoch', result }),
        onTestEval: (result) => post({ type: 'testEval', result }),
      },
      controller.signal,
    );
    const artifacts = await exportArtifacts(result.model);
    result.model.dispose();
    post(
      {
        type: 'result',
        artifacts,
        history: result.history,
        durationMs: result.durationMs,
        backend: result.backend,
        samples: result.samples,
        samplesPerSec: result.samplesPerSec,
      },
      [artifacts.weights.buffer as ArrayBuffer],
    );
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    if (e.name === 'AbortError') post({ type: 'cancelled' });
    else post({ type: 'error', name: e.name, message: e.message, stack: e.stack });
  } finally {
    port.close();
  }
}

if (!isMainThread && parentPort) void main();
