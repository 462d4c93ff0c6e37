/**
 * The prediction topics (`predictionAdded`, `predictionLabeled`) across
 * processes: an EventTarget for the pub/sub whose `dispatchEvent` sends a
 * Postgres NOTIFY and whose listeners are fed by LISTEN, so a subscriber on
 * any API instance sees what was classified or labelled on any other. The
 * only file that knows these topics travel through Postgres.
 *
 * Every process receives its own notifications back, so delivery is the same
 * whether publisher and subscriber share a process or not. When a NOTIFY
 * fails (the database is down) the event still reaches this process's
 * subscribers; other instances miss it, as they miss anything sent while
 * their LISTEN connection is down (a live feed, not a log).
 */
import { z } from 'zod';
import { INPUT_KINDS } from '../db/entities/prediction.entity.js';
import { coerceError } from '../errors.js';
import { MAX_NOTIFY_PAYLOAD_BYTES, PgNotifyListener, type Queryable, type TransportLogger } from '../events/pg-notify.js';
import { Topic, type PredictionAddedPayload } from './pubsub.js';

/** Postgres channel of each cross-process topic. */
export const PREDICTION_CHANNELS: Readonly<Record<string, string>> = {
  [Topic.PREDICTION_ADDED]: 'mnist_prediction_added',
  [Topic.PREDICTION_LABELED]: 'mnist_prediction_labeled',
};

/** Most notifications sent in one statement. */
const MAX_BATCH = 500;

const TOPIC_BY_CHANNEL = new Map(Object.entries(PREDICTION_CHANNELS).map(([topic, channel]) => [channel, topic]));

const iso = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'an ISO 8601 date');
const predictionPayload: z.ZodType<PredictionAddedPayload> = z.object({
  id: z.string().uuid(),
  modelVersionId: z.string().uuid(),
  clientId: z.string().max(64).nullable(),
  // 784 bytes in base64.
  pixels: z.string().length(1048),
  probabilities: z.array(z.number().finite()).length(10),
  digit: z.number().int().min(0).max(9),
  confidence: z.number().min(0).max(1),
  label: z.number().int().min(0).max(9).nullable(),
  inputKind: z.enum(INPUT_KINDS),
  createdAt: iso,
  labeledAt: iso.nullable(),
});

export interface PredictionTransportOptions {
  /** Connection string for the LISTEN connection. */
  connectionString: string;
  /** Sends the NOTIFYs (the application's pool). */
  db: Queryable;
  logger?: TransportLogger & { error(obj: object, msg?: string): void };
}

export interface PredictionTransport {
  /** The EventTarget for `createPubSub({ eventTarget })`. */
  readonly eventTarget: EventTarget;
  /** True while the LISTEN connection is up. */
  readonly connected: boolean;
  /** Resolves once every NOTIFY sent so far has been handed to Postgres (tests, shutdown). */
  flush(): Promise<void>;
  /** Stops listening; NOTIFYs still queued are sent first. Idempotent. */
  close(): Promise<void>;
}

/** Connects the LISTEN client (failing like the database would) and returns the transport. */
export async function startPredictionTransport(options: PredictionTransportOptions): Promise<PredictionTransport> {
  const { db, logger } = options;
  const local = new EventTarget();
  const listener = new PgNotifyListener({
    connectionString: options.connectionString,
    channels: Object.values(PREDICTION_CHANNELS),
    logger,
    applicationName: 'mnist-studio-predictions',
  });
  // Subscriptions on this instance, by topic: with none, a notification is dropped unparsed. Every
  // instance receives every prediction, and parsing and checking each took about 1.5 % of the
  // request thread under load.
  const listening = new Map<string, Set<unknown>>();
  listener.onNotification((channel, text) => {
    const topic = TOPIC_BY_CHANNEL.get(channel);
    if (!topic || !listening.get(topic)?.size) return;
    let detail: PredictionAddedPayload;
    try {
      detail = predictionPayload.parse(JSON.parse(text));
    } catch (error) {
      logger?.warn({ err: coerceError(error), channel }, 'dropped a malformed prediction notification');
      return;
    }
    local.dispatchEvent(new CustomEvent(topic, { detail }));
  });
  await listener.start();

  // NOTIFYs go out in publishing order, one statement at a time: Postgres delivers in commit order,
  // and two statements on different pool connections could commit the other way round. Whatever is
  // published while a statement runs goes out together in the next one, so under load the
  // notifications keep up with classify in one round trip per batch instead of one per prediction.
  let queue: Array<{ topic: string; channel: string; text: string }> = [];
  let sending: Promise<void> | undefined;
  let closed: Promise<void> | undefined;

  const sendBatch = async (batch: typeof queue) => {
    try {
      // One json parameter built from the payloads' own JSON: a text[] would copy and escape every payload.
      // (`json`, unlike jsonb, hands each element back exactly as written.)
      const pairs = `[${batch.map((n) => `[${JSON.stringify(n.channel)},${n.text}]`).join(',')}]`;
      await db.query('SELECT pg_notify(e->>0, (e->1)::text) FROM json_array_elements($1::json) WITH ORDINALITY AS t(e, i) ORDER BY i', [pairs]);
    } catch (error) {
      logger?.warn({ err: coerceError(error), events: batch.length }, 'NOTIFY failed; the events reach this instance only');
      for (const n of batch) local.dispatchEvent(new CustomEvent(n.topic, { detail: JSON.parse(n.text) as unknown }));
    }
  };
  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      await sendBatch(batch);
    }
    sending = undefined;
  };

  const eventTarget: EventTarget = {
    // createPubSub adds a listener per subscription and removes it when the subscription ends.
    addEventListener(type, callback, opts) {
      if (callback) listening.set(type, (listening.get(type) ?? new Set()).add(callback));
      local.addEventListener(type, callback, opts);
    },
    removeEventListener(type, callback, opts) {
      if (callback) listening.get(type)?.delete(callback);
      local.removeEventListener(type, callback, opts);
    },
    dispatchEvent(event) {
      const channel = PREDICTION_CHANNELS[event.type];
      if (!channel) return local.dispatchEvent(event);
      const text = JSON.stringify((event as CustomEvent<unknown>).detail);
      if (Buffer.byteLength(text) > MAX_NOTIFY_PAYLOAD_BYTES) {
        logger?.warn({ topic: event.type, bytes: Buffer.byteLength(text) }, 'event too large for NOTIFY; it reaches this instance only');
        return local.dispatchEvent(new CustomEvent(event.type, { detail: JSON.parse(text) as unknown }));
      }
      queue.push({ topic: event.type, channel, text });
      sending ??= drain();
      return true;
    },
  };

  return {
    eventTarget,
    get connected() {
      return listener.connected;
    },
    flush: async () => {
      while (sending) await sending;
    },
    close: () =>
      (closed ??= (async () => {
        while (sending) await sending;
        await listener.close();
      })()),
  };
}
