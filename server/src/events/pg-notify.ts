/**
 * The Postgres LISTEN/NOTIFY transport, and nothing else: one dedicated
 * `pg.Client` that LISTENs on a fixed set of channels, hands every
 * notification to its handlers as `(channel, text)`, and reconnects with
 * backoff when the connection drops. What the payloads mean lives in
 * `bus.ts` and `topics.ts`.
 *
 * NOTIFY is scoped to one database and delivered on commit, so a
 * notification sent inside a transaction reaches listeners only if (and
 * after) the transaction commits — the services rely on that to announce a
 * change together with the rows it describes.
 */
import pg from 'pg';

/**
 * Postgres rejects NOTIFY payloads of 8000 bytes or more; callers keep theirs
 * below this and put anything bigger in a table, notifying only its key.
 */
export const MAX_NOTIFY_PAYLOAD_BYTES = 7999;

/** Anything that runs a parameterised query: a `pg` client or pool, a TypeORM DataSource or QueryRunner. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** The subset of a pino logger the transport uses. */
export interface TransportLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface PgNotifyListenerOptions {
  connectionString: string;
  /** Channel names to LISTEN on; plain identifiers (letters, digits, `_`). */
  channels: readonly string[];
  logger?: TransportLogger;
  /** First delay before reconnecting after the connection drops, in ms; doubles up to `maxReconnectDelayMs`. @default 250 */
  reconnectDelayMs?: number;
  /** @default 5_000 // 5 seconds */
  maxReconnectDelayMs?: number;
  /** Shown in `pg_stat_activity`. @default 'mnist-studio-listener' */
  applicationName?: string;
}

export type NotificationHandler = (channel: string, payload: string) => void;

const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Sends one notification through `db` (`SELECT pg_notify`). Inside a
 * transaction it is delivered on commit.
 *
 * @throws Error when the payload is 8000 bytes or more (Postgres would refuse it)
 */
export async function pgNotify(db: Queryable, channel: string, payload: string): Promise<void> {
  const bytes = Buffer.byteLength(payload, 'utf8');
  if (bytes > MAX_NOTIFY_PAYLOAD_BYTES) {
    throw new Error(`pgNotify: payload on ${channel} is ${bytes} bytes, over Postgres's ${MAX_NOTIFY_PAYLOAD_BYTES}-byte limit; store it and notify its key`);
  }
  await db.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

/**
 * One LISTEN connection shared by every consumer in the process.
 *
 * Notifications sent while the connection is down are lost (Postgres does
 * not queue them for a listener that is gone), so after each reconnect the
 * `onReconnect` handlers run: consumers re-read whatever state they track.
 */
export class PgNotifyListener {
  readonly #options: Required<Omit<PgNotifyListenerOptions, 'logger'>> & { logger?: TransportLogger };
  readonly #handlers = new Set<NotificationHandler>();
  readonly #reconnectHandlers = new Set<() => void>();
  #client: pg.Client | null = null;
  #closed = false;
  #retryTimer: NodeJS.Timeout | null = null;
  #delay: number;

  constructor(options: PgNotifyListenerOptions) {
    for (const channel of options.channels) {
      if (!CHANNEL_NAME.test(channel)) {
        throw new Error(`PgNotifyListener expects channel names of lower-case letters, digits and _, got ${JSON.stringify(channel)}`);
      }
    }
    this.#options = {
      reconnectDelayMs: 250,
      maxReconnectDelayMs: 5_000,
      applicationName: 'mnist-studio-listener',
      ...options,
    };
    this.#delay = this.#options.reconnectDelayMs;
  }

  /** True while the LISTEN connection is up. */
  get connected(): boolean {
    return this.#client !== null;
  }

  /**
   * Connects and LISTENs on every channel.
   *
   * @throws the connection error of the first attempt (later drops reconnect on their own)
   */
  async start(): Promise<void> {
    if (this.#closed) throw new Error('PgNotifyListener.start: the listener is closed');
    await this.#connect();
  }

  /** Registers a handler for every notification; returns its remover. */
  onNotification(handler: NotificationHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Registers a handler run after each successful reconnect; returns its remover. */
  onReconnect(handler: () => void): () => void {
    this.#reconnectHandlers.add(handler);
    return () => this.#reconnectHandlers.delete(handler);
  }

  /** Stops listening and closes the connection; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const client = this.#client;
    this.#client = null;
    if (client) await client.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#options.connectionString,
      application_name: this.#options.applicationName,
      keepAlive: true,
    });
    // Without a listener an 'error' event would crash the process.
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('connection ended')));
    client.on('notification', (message) => {
      const payload = message.payload ?? '';
      for (const handler of this.#handlers) {
        try {
          handler(message.channel, payload);
        } catch (error) {
          this.#options.logger?.warn({ err: error, channel: message.channel }, 'notification handler threw');
        }
      }
    });
    try {
      await client.connect();
      for (const channel of this.#options.channels) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#delay = this.#options.reconnectDelayMs;
  }

  #lost(client: pg.Client, error: Error): void {
    if (this.#client !== client) return;
    this.#client = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.#closed) return;
    this.#options.logger?.warn({ err: error }, 'LISTEN connection lost; reconnecting');
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#retryTimer) return;
    const delay = this.#delay;
    this.#delay = Math.min(this.#delay * 2, this.#options.maxReconnectDelayMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#connect().then(
        () => {
          if (this.#closed) return;
          this.#options.logger?.info({ channels: this.#options.channels }, 'LISTEN connection restored');
          for (const handler of this.#reconnectHandlers) {
            try {
              handler();
            } catch (error) {
              this.#options.logger?.warn({ err: error }, 'reconnect handler threw');
            }
          }
        },
        (error: unknown) => {
          this.#options.logger?.debug({ err: error, retryInMs: this.#delay }, 'LISTEN reconnect failed');
          this.#scheduleReconnect();
        },
      );
    }, delay);
    this.#retryTimer.unref();
  }
}
