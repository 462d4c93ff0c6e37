/**
 * The prediction topics (`predictionAdded`, `predictionLabeled`) across
 * processes: an EventTarget for the pub/sub whose `dispatchEvent` sends a
 * Postgres NOTIFY and whose listeners are fed by LISTEN, so a subscriber on
 * any API instance sees what was classified or labelled on any other. The
 * only file that knows these topics travel through Postgres.
 *
 * `predictionAdded` carries only the prediction's id; an instance with a
 * subscriber reads the rows back (`loadAdded`) and dispatches them in the
 * order announced. Every classify is announced to every instance, so the
 * announcement must be cheap: an id costs the publisher, Postgres and every
 * listener next to nothing, and only watched instances pay for a read.
 * `predictionLabeled` (rare) carries the row.
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

const ADDED_CHANNEL = PREDICTION_CHANNELS[Topic.PREDICTION_ADDED];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  /**
   * The stored predictions with these ids, as payloads, in any order; ids
   * with no row are left out. Called only while this instance has a
   * `predictionAdded` subscriber.
   */
  loadAdded(ids: string[]): Promise<PredictionAddedPayload[]>;
  logger?: TransportLogger & { error(obj: object, msg?: string): void };
}

export interface PredictionTransport {
  /** The EventTarget for `createPubSub({ eventTarget })`. */
  readonly eventTarget: EventTarget;
  /**
   * Publishes `predictionAdded` for a stored prediction by its id: what
   * publishing its payload does, without building the payload.
   */
  announceAdded(id: string): void;
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
  // What arrived for a subscribed topic, in arrival order: payloads of predictionLabeled, ids of predictionAdded.
  const arrived: Array<{ topic: string; id: string } | { topic: string; detail: PredictionAddedPayload }> = [];
  let delivering: Promise<void> | undefined;
  // Runs of predictionAdded ids are read back together; nothing overtakes what arrived before it.
  const deliver = async () => {
    // Never finish within the call: `delivering` must be set before it is cleared at the end.
    await Promise.resolve();
    while (arrived.length > 0) {
      const next = arrived[0];
      if ('detail' in next) {
        arrived.shift();
        local.dispatchEvent(new CustomEvent(next.topic, { detail: next.detail }));
        continue;
      }
      let run = 1;
      while (run < arrived.length && run < MAX_BATCH && 'id' in arrived[run]) run++;
      const ids = arrived.splice(0, run).map((item) => ('id' in item ? item.id : ''));
      let found: Map<string, PredictionAddedPayload>;
      try {
        found = new Map((await options.loadAdded(ids)).map((payload) => [payload.id, payload]));
      } catch (error) {
        logger?.warn({ err: coerceError(error), events: ids.length }, 'could not read announced predictions; their subscribers miss them');
        continue;
      }
      for (const id of ids) {
        const detail = found.get(id);
        if (detail) local.dispatchEvent(new CustomEvent(Topic.PREDICTION_ADDED, { detail }));
      }
    }
    delivering = undefined;
  };
  const receive = (item: (typeof arrived)[number]) => {
    arrived.push(item);
    delivering ??= deliver();
  };

  listener.onNotification((channel, text) => {
    const topic = TOPIC_BY_CHANNEL.get(channel);
    if (!topic || !listening.get(topic)?.size) return;
    if (topic === Topic.PREDICTION_ADDED) {
      if (UUID.test(text)) receive({ topic, id: text });
      else logger?.warn({ channel }, 'dropped a malformed prediction notification');
      return;
    }
    let detail: PredictionAddedPayload;
    try {
      detail = predictionPayload.parse(JSON.parse(text));
    } catch (error) {
      logger?.warn({ err: coerceError(error), channel }, 'dropped a malformed prediction notification');
      return;
    }
    receive({ topic, detail });
  });
  await listener.start();

  // NOTIFYs go out in publishing order, one statement at a time: Postgres delivers in commit order,
  // and two statements on different pool connections could commit the other way round. Whatever is
  // published while a statement runs goes out together in the next one, so under load the
  // notifications keep up with classify in one round trip per batch instead of one per prediction.
  // `text` is the notification as Postgres sends it (an id, or a payload's JSON); `detail` is the event itself.
  let queue: Array<{ topic: string; channel: string; text: string; detail: unknown }> = [];
  let sending: Promise<void> | undefined;
  let closed: Promise<void> | undefined;

  const sendBatch = async (batch: typeof queue) => {
    try {
      // One json parameter built from the payloads' own JSON: a text[] would copy and escape every payload.
      // (`json`, unlike jsonb, hands each element back exactly as written.)
      // (`->>` hands back a string's text unquoted, and any other value's JSON exactly as written.)
      const pairs = `[${batch.map((n) => `[${JSON.stringify(n.channel)},${n.channel === ADDED_CHANNEL ? JSON.stringify(n.text) : n.text}]`).join(',')}]`;
      await db.query('SELECT pg_notify(e->>0, e->>1) FROM json_array_elements($1::json) WITH ORDINALITY AS t(e, i) ORDER BY i', [pairs]);
    } catch (error) {
      logger?.warn({ err: coerceError(error), events: batch.length }, 'NOTIFY failed; the events reach this instance only');
      for (const n of batch) {
        if (n.detail !== undefined) local.dispatchEvent(new CustomEvent(n.topic, { detail: JSON.parse(JSON.stringify(n.detail)) as unknown }));
        else if (listening.get(n.topic)?.size) receive({ topic: n.topic, id: n.text });
      }
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

  const send = (item: (typeof queue)[number]) => {
    queue.push(item);
    sending ??= drain();
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
      const detail = (event as CustomEvent<unknown>).detail;
      if (channel === ADDED_CHANNEL) {
        const id = (detail as Partial<PredictionAddedPayload> | null)?.id;
        if (typeof id !== 'string' || !UUID.test(id)) throw new TypeError(`predictionAdded needs a payload with the prediction's uuid, got ${JSON.stringify(id)}`);
        send({ topic: event.type, channel, text: id, detail });
        return true;
      }
      const text = JSON.stringify(detail);
      if (Buffer.byteLength(text) > MAX_NOTIFY_PAYLOAD_BYTES) {
        logger?.warn({ topic: event.type, bytes: Buffer.byteLength(text) }, 'event too large for NOTIFY; it reaches this instance only');
        return local.dispatchEvent(new CustomEvent(event.type, { detail: JSON.parse(text) as unknown }));
      }
      send({ topic: event.type, channel, text, detail });
      return true;
    },
  };

  return {
    eventTarget,
    announceAdded(id) {
      if (!UUID.test(id)) throw new TypeError(`announceAdded needs a prediction's uuid, got ${JSON.stringify(id)}`);
      send({ topic: Topic.PREDICTION_ADDED, channel: ADDED_CHANNEL, text: id, detail: undefined });
    },
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
        while (delivering) await delivering;
      })()),
  };
}
