/**
 * A model answering from a worker thread (inference.worker.ts): the same
 * micro-batched `predict` as {@link Classifier}, but each forward pass runs
 * on another core, so the calling thread (a server's event loop) only packs
 * images and unpacks probabilities. While one batch runs, the next gathers.
 */
import { Worker } from 'node:worker_threads';
import type { ModelArtifacts } from './artifacts.js';
import type { BackendChoice } from './backend.js';
import { ClassifierDisposedError, type InferenceEngine } from './classifier.js';
import type { InferenceCommand, InferenceMessage, InferenceWorkerData, ThreadMemory } from './inference.worker.js';
import { NUM_CLASSES, PIXELS } from './mnist.js';
import { MicroBatcher } from '../util/micro-batch.js';

export interface InferenceThreadOptions {
  /** The thread's TensorFlow.js backend (TF_BACKEND). @default 'auto' */
  backend?: BackendChoice;
  /** Most images per forward pass. @default 64 */
  maxBatch?: number;
  /** Told when the thread died and a new one is starting (its batch under way failed). */
  onRestart?: (error: Error) => void;
}

interface Running {
  worker: Worker;
  /** Set once the worker died: batches go to its replacement. */
  dead: boolean;
  /** Batches sent and not yet answered, by id. */
  waiting: Map<number, { resolve(probabilities: Float32Array): void; reject(error: Error): void }>;
}

export class InferenceThread {
  private running: Promise<Running>;
  private readonly batcher: MicroBatcher<Float32Array, Float32Array>;
  private nextId = 0;
  private disposed = false;
  private threadMemory: ThreadMemory = { numTensors: 0, numBytes: 0 };
  private threadEngine: InferenceEngine = { engine: 'layers', reason: 'the thread has not started' };

  private constructor(
    private readonly artifacts: ModelArtifacts,
    private readonly options: InferenceThreadOptions,
  ) {
    this.running = this.spawn();
    this.batcher = new MicroBatcher({ run: (images) => this.forward(images), maxBatch: options.maxBatch ?? 64 });
  }

  /**
   * Starts a thread and loads the model in it.
   *
   * @throws Error with the thread's message when the model cannot be loaded there
   */
  static async start(artifacts: ModelArtifacts, options: InferenceThreadOptions = {}): Promise<InferenceThread> {
    const thread = new InferenceThread(artifacts, options);
    await thread.running;
    return thread;
  }

  /** What runs the forward passes in the thread (as its classifier reported when it started). */
  get engine(): InferenceEngine {
    return this.threadEngine;
  }

  /** Live tensors in the thread and their bytes, as of its last answer. */
  get memory(): ThreadMemory {
    return this.threadMemory;
  }

  /**
   * Class probabilities of one image.
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

  /** Ends the thread; queued calls are rejected, a batch under way too. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const gone = new ClassifierDisposedError('the classifier was disposed before the prediction ran');
    this.batcher.rejectPending(gone);
    void this.running.then(
      ({ worker, waiting }) => {
        for (const batch of waiting.values()) batch.reject(gone);
        waiting.clear();
        return worker.terminate();
      },
      () => undefined,
    );
  }

  private async forward(images: Float32Array[]): Promise<Float32Array[]> {
    let running = await this.running;
    while (running.dead) running = await this.running;
    const { worker, waiting } = running;
    const input = new Float32Array(images.length * PIXELS);
    images.forEach((pixels, i) => input.set(pixels, i * PIXELS));
    const id = this.nextId++;
    const probabilities = await new Promise<Float32Array>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      const command: InferenceCommand = { type: 'predict', id, images: input };
      worker.postMessage(command, [input.buffer]);
    });
    return images.map((_, i) => probabilities.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES));
  }

  /** A new thread with the model loaded; when it dies unasked, its waiting batches fail and another takes its place. */
  private spawn(): Promise<Running> {
    const data: InferenceWorkerData = { artifacts: this.artifacts, backend: this.options.backend ?? 'auto' };
    const worker = new Worker(new URL('./inference.worker.js', import.meta.url), { workerData: data });
    const waiting: Running['waiting'] = new Map();
    const running: Running = { worker, dead: false, waiting };
    return new Promise<Running>((resolve, reject) => {
      let ready = false;
      const fail = (error: Error) => {
        if (!ready) return reject(error);
        // 'error' is followed by 'exit': one replacement thread, not two.
        if (running.dead) return;
        running.dead = true;
        for (const batch of waiting.values()) batch.reject(error);
        waiting.clear();
        if (this.disposed) return;
        this.options.onRestart?.(error);
        this.running = this.spawn();
        // A thread that cannot start again fails the batches that wait for it.
        this.running.catch(() => undefined);
      };
      worker.on('message', (message: InferenceMessage) => {
        if (message.type === 'ready') {
          ready = true;
          this.threadMemory = message.memory;
          this.threadEngine = message.engine;
          resolve(running);
        } else if (message.type === 'result') {
          this.threadMemory = message.memory;
          waiting.get(message.id)?.resolve(message.probabilities);
          waiting.delete(message.id);
        } else if (message.id === undefined) {
          void worker.terminate();
          reject(new Error(`the inference thread could not load the model: ${message.message}`));
        } else {
          waiting.get(message.id)?.reject(new Error(`inference failed: ${message.message}`));
          waiting.delete(message.id);
        }
      });
      worker.on('error', (error) => fail(error));
      worker.on('exit', (code) => {
        if (!this.disposed) fail(new Error(`the inference thread exited with code ${code}`));
      });
    });
  }
}
