/**
 * Worker-thread entry that answers forward passes for {@link InferenceThread}
 * (inference-thread.ts), so that a server's request thread spends its time on
 * HTTP and GraphQL while the model runs on another core.
 *
 * - `workerData`: {@link InferenceWorkerData}, the model's artifacts
 * - worker → parent, once: `{ type: 'ready', backend, engine, memory }` or `{ type: 'error', message }`
 * - parent → worker: `{ type: 'predict', id, images }`, images of shape `[n, 28, 28]` flattened
 * - worker → parent: `{ type: 'result', id, probabilities, tensors }` (probabilities of
 *   shape `[n, 10]` flattened, transferred; `memory`: live tensors and their bytes in this thread)
 *   or `{ type: 'error', id, message }`
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { ModelArtifacts } from './artifacts.js';
import { initBackend, type BackendChoice } from './backend.js';
import { Classifier, type InferenceEngine } from './classifier.js';

export interface InferenceWorkerData {
  artifacts: ModelArtifacts;
  backend: BackendChoice;
}

export type InferenceCommand = { type: 'predict'; id: number; images: Float32Array };

/** Live tensors in the thread and the bytes they hold. */
export interface ThreadMemory {
  numTensors: number;
  numBytes: number;
}

export type InferenceMessage =
  | { type: 'ready'; backend: string; engine: InferenceEngine; memory: ThreadMemory }
  | { type: 'result'; id: number; probabilities: Float32Array; memory: ThreadMemory }
  | { type: 'error'; id?: number; message: string };

const memory = (): ThreadMemory => {
  const { numTensors, numBytes } = tf.memory();
  return { numTensors, numBytes };
};

async function main(): Promise<void> {
  const port = parentPort!;
  const data = workerData as InferenceWorkerData;
  const send = (message: InferenceMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  let classifier: Classifier;
  try {
    await initBackend({ backend: data.backend });
    classifier = await Classifier.fromArtifacts(data.artifacts);
  } catch (error) {
    send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.on('message', (command: InferenceCommand) => {
    try {
      const probabilities = classifier.predictBatch(command.images);
      send({ type: 'result', id: command.id, probabilities, memory: memory() }, [probabilities.buffer as ArrayBuffer]);
    } catch (error) {
      send({ type: 'error', id: command.id, message: error instanceof Error ? error.message : String(error) });
    }
  });
  send({ type: 'ready', backend: tf.getBackend(), engine: classifier.engine, memory: memory() });
}

if (!isMainThread) await main();
