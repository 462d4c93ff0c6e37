/**
 * A helper thread of data-parallel training ({@link ShardThreads}): it holds a
 * copy of the model and, for each step, computes the gradients of its shard of
 * the batch. The thread that owns the optimizer averages them with its own
 * and sends the updated weights back with the next shard.
 *
 * - `workerData`: {@link ShardWorkerData}
 * - worker → parent, once: `{ type: 'ready' }` or `{ type: 'error', message }`
 * - parent → worker: {@link ShardCommand}
 * - worker → parent: `{ type: 'result', grads, nonTrainable, loss, correct, n }`
 *   (arrays transferred) or `{ type: 'error', message }`
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadModelFromArtifacts, type ModelArtifacts } from './artifacts.js';
import { initBackend, type BackendName } from './backend.js';
import { registerFastGradients } from './gradients.js';
import { logitsModel } from './model.js';
import { lowerThreadPriority } from './thread-priority.js';
import { readVariables, shardGradients, stepModel, writeVariables, type Shard, type ShardResult, type StepSettings } from './train-step.js';

export interface ShardWorkerData {
  /** The model as training starts. */
  artifacts: ModelArtifacts;
  backend: BackendName;
  settings: StepSettings;
  niceness?: number;
}

/** One step: the weights after the previous step (all of them, trainable first), then this thread's shard. */
export type ShardCommand = {
  type: 'step';
  trainable?: Float32Array[];
  nonTrainable?: Float32Array[];
  shard: Shard;
};

export type ShardMessage =
  | { type: 'ready' }
  | ({ type: 'result'; nonTrainable: Float32Array[] } & ShardResult<Float32Array>)
  | { type: 'error'; message: string };

async function main(): Promise<void> {
  const port = parentPort!;
  const data = workerData as ShardWorkerData;
  const send = (message: ShardMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  if (data.niceness) lowerThreadPriority(data.niceness);
  let model: ReturnType<typeof stepModel>;
  try {
    await initBackend({ backend: data.backend });
    registerFastGradients();
    const loaded = await loadModelFromArtifacts(data.artifacts);
    model = stepModel(loaded, logitsModel(loaded));
  } catch (error) {
    send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.on('message', (command: ShardCommand) => {
    try {
      if (command.trainable) writeVariables(model.trainable, command.trainable);
      if (command.nonTrainable) writeVariables(model.nonTrainable, command.nonTrainable);
      const result = shardGradients(model, data.settings, command.shard);
      // Copies with buffers of their own, so each can be transferred.
      const grads = result.grads.map((g) => (g.dataSync() as Float32Array).slice());
      result.grads.forEach((g) => g.dispose());
      const nonTrainable = readVariables(model.nonTrainable);
      send({ type: 'result', ...result, grads, nonTrainable }, [...grads, ...nonTrainable].map((a) => a.buffer as ArrayBuffer));
    } catch (error) {
      send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  });
  send({ type: 'ready' });
}

if (!isMainThread && parentPort) void main();
