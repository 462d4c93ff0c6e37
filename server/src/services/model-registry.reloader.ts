/**
 * Keeps this API instance's classifier on the active version: on every
 * `modelActivated` notice (from any process) — and after a LISTEN reconnect,
 * when notices may have been missed — it loads the active version's weights
 * from the database into a new Classifier, swaps it in (predictions under way
 * finish on the old one, which is then disposed), and only then tells this
 * instance's `modelActivated` subscribers.
 */
import type { ModelVersionEntity } from '../db/entities/model-version.entity.js';
import { coerceError } from '../errors.js';
import { AsyncQueue } from '../events/async-queue.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { ClassifierService } from './classifier.service.js';

export class ModelReloader {
  private readonly listeners = new Set<AsyncQueue<ModelVersionEntity>>();
  private readonly unsubscribers: Array<() => void> = [];
  /** Reloads run one after another so two quick activations end on the newest. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: EventBus,
    private readonly classifier: ClassifierService,
    private readonly logger: Logger,
  ) {}

  /** Starts following activations (the bus must be started too). */
  start(): void {
    this.unsubscribers.push(
      this.bus.subscribe('modelActivated', ({ modelVersionId }) => void this.reload(modelVersionId)),
      this.bus.onReconnect(() => void this.reload(null)),
    );
  }

  /**
   * Loads the active version if it is not the one answering; resolves when done.
   *
   * @param announcedId the version a notice announced (null after a reconnect)
   */
  reload(announcedId: string | null): Promise<void> {
    this.chain = this.chain.then(async () => {
      const before = this.classifier.activeVersion?.id;
      try {
        const version = await this.classifier.loadActive();
        if (!version) return;
        if (version.id !== announcedId && announcedId !== null) {
          this.logger.info({ announced: announcedId, active: version.id }, 'a newer activation superseded the announced one');
        }
        if (version.id !== before) {
          this.logger.info({ version: version.version, id: version.id }, 'switched to the newly activated model');
          for (const queue of this.listeners) queue.push(version);
        }
      } catch (error) {
        this.logger.error({ err: coerceError(error), announced: announcedId }, 'cannot load the activated model; still answering with the previous one');
      }
    });
    return this.chain;
  }

  /** Versions this instance switched to, from now on, until `return()`. */
  activations(): AsyncIterableIterator<ModelVersionEntity> {
    const queue: AsyncQueue<ModelVersionEntity> = new AsyncQueue(() => this.listeners.delete(queue));
    this.listeners.add(queue);
    return queue;
  }

  /** Stops following and ends every subscriber's stream. */
  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    for (const queue of [...this.listeners]) queue.end();
    await this.chain;
  }
}
