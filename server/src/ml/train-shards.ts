/**
 * Data-parallel training: helper threads that each compute the gradients of
 * one shard of every batch while the training thread computes its own, so a
 * step uses as many cores as there are shards. wasm runs single-threaded in
 * Node, so this is how training uses a second core.
 *
 * A helper that fails or dies fails the step, and training with it: a step
 * without every shard would silently change the recipe.
 */
import { Worker } from 'node:worker_threads';
import type { ModelArtifacts } from './artifacts.js';
import type { BackendName } from './backend.js';
import type { ShardCommand, ShardMessage, ShardWorkerData } from './train-shard.worker.js';
import type { Shard, ShardResult, StepSettings } from './train-step.js';

export interface ShardThreadsOptions {
  artifacts: ModelArtifacts;
  backend: BackendName;
  settings: StepSettings;
  /** Nice value of the helper threads, as for the training thread. */
  niceness?: number;
}

/** A helper's answer: its shard's gradients and its BatchNorm statistics after the shard's forward pass. */
export type RemoteShardResult = ShardResult<Float32Array> & { nonTrainable: Float32Array[] };

interface Helper {
  worker: Worker;
  /** The step it is computing. */
  pending?: { resolve(result: RemoteShardResult): void; reject(error: Error): void };
}

export class ShardThreads {
  private failure: Error | undefined;

  private constructor(private readonly helpers: Helper[]) {}

  /** Starts `count` helper threads, each with the model of `options.artifacts` loaded. */
  static async start(count: number, options: ShardThreadsOptions): Promise<ShardThreads> {
    const data: ShardWorkerData = { artifacts: options.artifacts, backend: options.backend, settings: options.settings, niceness: options.niceness };
    const helpers = Array.from({ length: count }, (): Helper => ({
      worker: new Worker(new URL('./train-shard.worker.js', import.meta.url), { workerData: data }),
    }));
    const threads = new ShardThreads(helpers);
    try {
      await Promise.all(helpers.map((helper) => threads.listen(helper)));
    } catch (error) {
      await threads.dispose();
      throw error;
    }
    return threads;
  }

  /** Helper threads running. */
  get size(): number {
    return this.helpers.length;
  }

  /**
   * Sends helper i its shard (with the weights after the previous step, when
   * they changed) and resolves with every helper's result, in order.
   */
  step(shards: Shard[], weights?: { trainable: Float32Array[]; nonTrainable: Float32Array[] }): Promise<RemoteShardResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (shards.length > this.helpers.length) throw new Error(`${shards.length} shards for ${this.helpers.length} helper threads`);
    return Promise.all(
      shards.map(
        (shard, i) =>
          new Promise<RemoteShardResult>((resolve, reject) => {
            const helper = this.helpers[i];
            helper.pending = { resolve, reject };
            // Each helper gets its own copy of the weights: a transferred buffer can go to one thread only.
            const command: ShardCommand = {
              type: 'step',
              trainable: weights?.trainable,
              nonTrainable: weights?.nonTrainable,
              shard,
            };
            helper.worker.postMessage(command);
          }),
      ),
    );
  }

  /** Ends every helper thread. */
  async dispose(): Promise<void> {
    this.failure ??= new Error('the training helper threads were stopped');
    await Promise.all(this.helpers.map((helper) => helper.worker.terminate()));
  }

  /** Resolves once the helper is ready; afterwards routes its results and failures. */
  private listen(helper: Helper): Promise<void> {
    return new Promise<void>((ready, notReady) => {
      let started = false;
      const fail = (error: Error) => {
        if (!started) return notReady(error);
        this.failure ??= error;
        helper.pending?.reject(error);
        helper.pending = undefined;
      };
      helper.worker.on('message', (message: ShardMessage) => {
        if (message.type === 'ready') {
          started = true;
          ready();
        } else if (message.type === 'result') {
          const { type: _type, ...result } = message;
          helper.pending?.resolve(result);
          helper.pending = undefined;
        } else {
          fail(new Error(started ? `a training helper thread failed: ${message.message}` : `a training helper thread could not load the model: ${message.message}`));
        }
      });
      helper.worker.on('error', (error) => fail(new Error(`a training helper thread failed: ${error.message}`)));
      helper.worker.on('exit', (code) => fail(new Error(`a training helper thread exited with code ${code}`)));
    });
  }
}
