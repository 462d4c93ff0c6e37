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
import { PgNotifyListener, pgNotify, type Queryable, type TransportLogger } from '../events/pg-notify.js';
import { Topic, type PredictionAddedPayload } from './pubsub.js';

/** Postgres channel of each cross-process topic. */
export const PREDICTION_CHANNELS: Readonly<Record<string, string>> = {
  [Topic.PREDICTION_ADDED]: 'mnist_prediction_added',
  [Topic.PREDICTION_LABELED]: 'mnist_prediction_labeled',
};

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
  listener.onNotification((channel, text) => {
    const topic = TOPIC_BY_CHANNEL.get(channel);
    if (!topic) return;
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

  // One NOTIFY at a time, in publishing order: Postgres delivers in commit order, and two
  // concurrent NOTIFYs on different pool connections could commit the other way round.
  let tail: Promise<void> = Promise.resolve();
  let closed: Promise<void> | undefined;

  const eventTarget: EventTarget = {
    addEventListener: (type, callback, opts) => local.addEventListener(type, callback, opts),
    removeEventListener: (type, callback, opts) => local.removeEventListener(type, callback, opts),
    dispatchEvent(event) {
      const channel = PREDICTION_CHANNELS[event.type];
      if (!channel) return local.dispatchEvent(event);
      const { detail } = event as CustomEvent<unknown>;
      tail = tail.then(async () => {
        try {
          await pgNotify(db, channel, JSON.stringify(detail));
        } catch (error) {
          logger?.warn({ err: coerceError(error), topic: event.type }, 'NOTIFY failed; the event reaches this instance only');
          local.dispatchEvent(new CustomEvent(event.type, { detail }));
        }
      });
      return true;
    },
  };

  return {
    eventTarget,
    get connected() {
      return listener.connected;
    },
    flush: () => tail,
    close: () =>
      (closed ??= (async () => {
        await tail;
        await listener.close();
      })()),
  };
}
