/**
 * Typed publish/subscribe over the Postgres transport: `publish` sends a
 * topic's payload with NOTIFY (through any connection, so it can ride a
 * transaction), `subscribe` hands each arriving payload, checked, to local
 * handlers. One bus per process; every API instance and worker sees every
 * event of the database.
 */
import { PgNotifyListener, pgNotify, type Queryable, type TransportLogger } from './pg-notify.js';
import { CHANNELS, parseTopicPayload, type Topic, type TopicPayloads } from './topics.js';

export type TopicHandler<K extends Topic> = (payload: TopicPayloads[K]) => void;

const TOPIC_BY_CHANNEL = new Map<string, Topic>(Object.entries(CHANNELS).map(([topic, channel]) => [channel, topic as Topic]));

export class EventBus {
  readonly #listener: PgNotifyListener;
  readonly #handlers = new Map<Topic, Set<TopicHandler<Topic>>>();
  readonly #logger: TransportLogger | undefined;

  /**
   * @param connectionString the database whose notifications to follow
   */
  constructor(connectionString: string, logger?: TransportLogger) {
    this.#logger = logger;
    this.#listener = new PgNotifyListener({
      connectionString,
      channels: Object.values(CHANNELS),
      logger,
      applicationName: 'mnist-studio-events',
    });
    this.#listener.onNotification((channel, text) => this.#dispatch(channel, text));
  }

  /** Connects the LISTEN client; publishing works before this, receiving only after. */
  start(): Promise<void> {
    return this.#listener.start();
  }

  close(): Promise<void> {
    this.#handlers.clear();
    return this.#listener.close();
  }

  get connected(): boolean {
    return this.#listener.connected;
  }

  /** Calls `handler` with every payload published on `topic` by any process; returns the unsubscriber. */
  subscribe<K extends Topic>(topic: K, handler: TopicHandler<K>): () => void {
    let set = this.#handlers.get(topic);
    if (!set) this.#handlers.set(topic, (set = new Set()));
    set.add(handler as TopicHandler<Topic>);
    return () => set.delete(handler as TopicHandler<Topic>);
  }

  /** Runs `handler` after the LISTEN connection comes back (notifications sent meanwhile were lost). */
  onReconnect(handler: () => void): () => void {
    return this.#listener.onReconnect(handler);
  }

  /** NOTIFYs `payload` on `topic` through `db`; inside a transaction it goes out on commit. */
  publish<K extends Topic>(db: Queryable, topic: K, payload: TopicPayloads[K]): Promise<void> {
    return pgNotify(db, CHANNELS[topic], JSON.stringify(payload));
  }

  #dispatch(channel: string, text: string): void {
    const topic = TOPIC_BY_CHANNEL.get(channel);
    if (!topic) return;
    let payload: TopicPayloads[Topic];
    try {
      payload = parseTopicPayload(topic, text);
    } catch (error) {
      this.#logger?.warn({ err: error, channel }, 'dropped a malformed notification');
      return;
    }
    for (const handler of this.#handlers.get(topic) ?? []) {
      try {
        handler(payload);
      } catch (error) {
        this.#logger?.warn({ err: error, topic }, 'event handler threw');
      }
    }
  }
}
