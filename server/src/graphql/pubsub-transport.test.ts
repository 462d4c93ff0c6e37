import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { withTestDatabase, type TestDatabase } from '../../../test/helpers/database.js';
import { createAppPubSub, Topic, type PredictionAddedPayload } from './pubsub.js';
import { PREDICTION_CHANNELS, startPredictionTransport } from './pubsub-transport.js';

const payload = (n: number): PredictionAddedPayload => ({
  id: randomUUID(),
  modelVersionId: randomUUID(),
  clientId: n % 2 ? 'client-0001' : null,
  pixels: Buffer.alloc(784, n % 256).toString('base64'),
  probabilities: Array.from({ length: 10 }, (_, i) => (i === n % 10 ? 0.91 : 0.01)),
  digit: n % 10,
  confidence: 0.91,
  label: null,
  inputKind: 'pixels',
  createdAt: new Date(1_700_000_000_000 + n).toISOString(),
  labeledAt: null,
});

/** Collects what a subscription yields until `count` arrived or `ms` passed. */
async function collect(iterator: AsyncIterator<PredictionAddedPayload>, count: number, ms = 5_000): Promise<PredictionAddedPayload[]> {
  const got: PredictionAddedPayload[] = [];
  const deadline = Date.now() + ms;
  while (got.length < count && Date.now() < deadline) {
    const next = await Promise.race([iterator.next(), new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(1, deadline - Date.now())))]);
    if (!next || next.done) break;
    got.push(next.value);
  }
  return got;
}

describe('prediction events over Postgres NOTIFY', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  /** The predictions table as the transports read it back (the server reads the real one: see test/subscriptions.test.ts). */
  const stored = new Map<string, PredictionAddedPayload>();
  const reads: string[][] = [];
  const loadAdded = async (ids: string[]) => {
    reads.push(ids);
    return ids.flatMap((id) => stored.get(id) ?? []);
  };
  const store = (p: PredictionAddedPayload) => (stored.set(p.id, p), p);
  const start = (options: Partial<Parameters<typeof startPredictionTransport>[0]> = {}) =>
    startPredictionTransport({ connectionString: db.url, db: pool, loadAdded, ...options });

  before(async () => {
    db = await withTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
  });
  after(async () => {
    await pool?.end();
    await db?.close();
  });

  test('a burst published in one process reaches another in order, each event once', async () => {
    const sender = await start();
    const receiver = await start();
    try {
      const subscription = createAppPubSub(receiver.eventTarget).subscribe(Topic.PREDICTION_ADDED)[Symbol.asyncIterator]();
      const publisher = createAppPubSub(sender.eventTarget);
      const sent = Array.from({ length: 300 }, (_, n) => store(payload(n)));
      // A subscription listens from its first next() on, as graphql-ws calls it at once.
      const receiving = collect(subscription, sent.length);
      for (const p of sent) publisher.publish(Topic.PREDICTION_ADDED, p);
      await sender.flush();
      const got = await receiving;
      assert.deepEqual(got.map((p) => p.id), sent.map((p) => p.id));
      assert.deepEqual(got[7], sent[7], 'payloads arrive as sent');
      await subscription.return?.();
    } finally {
      await Promise.all([sender.close(), receiver.close()]);
    }
  });

  test('a labelled payload with quotes, backslashes, line separators and non-ASCII text arrives exactly as sent', async () => {
    const sender = await start();
    const receiver = await start();
    try {
      const subscription = createAppPubSub(receiver.eventTarget).subscribe(Topic.PREDICTION_LABELED)[Symbol.asyncIterator]();
      const tricky = { ...payload(1), clientId: 'q"uo\\te \u2028 é 😀 \\u0000', probabilities: [0.1234567890123, 1e-7, ...payload(1).probabilities.slice(2)] };
      const plain = payload(2);
      const receiving = collect(subscription, 2);
      const publisher = createAppPubSub(sender.eventTarget);
      publisher.publish(Topic.PREDICTION_LABELED, tricky);
      publisher.publish(Topic.PREDICTION_LABELED, plain);
      await sender.flush();
      assert.deepEqual(await receiving, [tricky, plain]);
      await subscription.return?.();
    } finally {
      await Promise.all([sender.close(), receiver.close()]);
    }
  });

  test('drops a malformed notification and keeps delivering', async () => {
    const transport = await start();
    try {
      const subscription = createAppPubSub(transport.eventTarget).subscribe(Topic.PREDICTION_ADDED)[Symbol.asyncIterator]();
      const channel = PREDICTION_CHANNELS[Topic.PREDICTION_ADDED];
      const receiving = collect(subscription, 1);
      const good = store(payload(1));
      await pool.query('SELECT pg_notify($1, $2)', [channel, 'not a uuid']);
      await pool.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify(good)]);
      await pool.query('SELECT pg_notify($1, $2)', [channel, good.id]);
      assert.deepEqual((await receiving).map((p) => p.id), [good.id]);
      await subscription.return?.();
    } finally {
      await transport.close();
    }
  });

  test('parses notifications only while this process has a subscriber for their topic', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (_obj: object, msg?: string) => void warnings.push(String(msg)) };
    const transport = await start({ logger });
    const channel = PREDICTION_CHANNELS[Topic.PREDICTION_ADDED];
    // A malformed notification shows whether it was parsed: parsing it logs a warning.
    const sendMalformedAndWait = async () => {
      await pool.query('SELECT pg_notify($1, $2)', [channel, 'not json']);
      // A well-formed one on the other topic, after it, marks that the first has been handled.
      const seen = createAppPubSub(transport.eventTarget).subscribe(Topic.PREDICTION_LABELED)[Symbol.asyncIterator]();
      const marker = collect(seen, 1);
      await pool.query('SELECT pg_notify($1, $2)', [PREDICTION_CHANNELS[Topic.PREDICTION_LABELED], JSON.stringify(payload(3))]);
      assert.equal((await marker).length, 1);
      await seen.return?.();
    };
    try {
      await sendMalformedAndWait();
      assert.deepEqual(warnings, [], 'no subscriber: dropped unparsed');
      const subscription = createAppPubSub(transport.eventTarget).subscribe(Topic.PREDICTION_ADDED)[Symbol.asyncIterator]();
      const pending = subscription.next();
      await sendMalformedAndWait();
      assert.deepEqual(warnings, ['dropped a malformed prediction notification'], 'a subscriber: parsed and checked');
      await subscription.return?.();
      void pending;
      warnings.length = 0;
      await sendMalformedAndWait();
      assert.deepEqual(warnings, [], 'the subscription ended: dropped unparsed again');
    } finally {
      await transport.close();
    }
  });

  test('predictionAdded carries only the id: a burst of announcements is read back in a few reads and delivered in order', async () => {
    const sender = await start();
    const receiver = await start();
    try {
      const subscription = createAppPubSub(receiver.eventTarget).subscribe(Topic.PREDICTION_ADDED)[Symbol.asyncIterator]();
      const sent = Array.from({ length: 300 }, (_, n) => store(payload(n)));
      const seen: string[] = [];
      const listener = new pg.Client({ connectionString: db.url });
      await listener.connect();
      listener.on('notification', (n) => seen.push(String(n.payload)));
      await listener.query(`LISTEN ${PREDICTION_CHANNELS[Topic.PREDICTION_ADDED]}`);
      const receiving = collect(subscription, sent.length);
      reads.length = 0;
      for (const p of sent) sender.announceAdded(p.id);
      await sender.flush();
      assert.deepEqual(await receiving, sent);
      // The raw listener is another connection: its copies may still be on the way.
      for (const deadline = Date.now() + 5_000; seen.length < sent.length && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(seen, sent.map((p) => p.id), 'what goes through Postgres is the id alone');
      assert.ok(reads.length <= 30, `300 announcements took ${reads.length} reads`);
      await listener.end();
      await subscription.return?.();
    } finally {
      await Promise.all([sender.close(), receiver.close()]);
    }
  });

  test('an announced prediction that is gone is skipped, and a failed read loses only its own events', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (_obj: object, msg?: string) => void warnings.push(String(msg)) };
    let failNext = false;
    const transport = await start({
      logger,
      loadAdded: async (ids) => {
        if (failNext) {
          failNext = false;
          throw new Error('connection lost');
        }
        return loadAdded(ids);
      },
    });
    try {
      const subscription = createAppPubSub(transport.eventTarget).subscribe(Topic.PREDICTION_ADDED)[Symbol.asyncIterator]();
      const [kept, lost] = [store(payload(4)), store(payload(5))];
      const receiving = collect(subscription, 1, 1_000);
      transport.announceAdded(randomUUID());
      transport.announceAdded(kept.id);
      await transport.flush();
      assert.deepEqual(await receiving, [kept]);
      failNext = true;
      const after = collect(subscription, 2, 1_500);
      transport.announceAdded(lost.id);
      await transport.flush();
      // Until the failing read has happened, so that the next id is read on its own.
      for (const deadline = Date.now() + 5_000; failNext && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
      transport.announceAdded(kept.id);
      await transport.flush();
      assert.deepEqual(await after, [kept]);
      assert.deepEqual(warnings, ['could not read announced predictions; their subscribers miss them']);
      await subscription.return?.();
    } finally {
      await transport.close();
    }
  });

  test('a labelled event does not overtake a prediction announced before it, however slow the read', async () => {
    const transport = await start({ loadAdded: async (ids) => (await new Promise((resolve) => setTimeout(resolve, 200)), loadAdded(ids)) });
    try {
      const pubSub = createAppPubSub(transport.eventTarget);
      const order: string[] = [];
      const added = pubSub.subscribe(Topic.PREDICTION_ADDED)[Symbol.asyncIterator]();
      const labeled = pubSub.subscribe(Topic.PREDICTION_LABELED)[Symbol.asyncIterator]();
      const both = Promise.all([
        added.next().then((r) => order.push(`added ${r.value?.id}`)),
        labeled.next().then((r) => order.push(`labeled ${r.value?.id}`)),
      ]);
      const p = store(payload(6));
      transport.announceAdded(p.id);
      pubSub.publish(Topic.PREDICTION_LABELED, { ...p, label: 6, labeledAt: new Date().toISOString() });
      await transport.flush();
      await both;
      assert.deepEqual(order, [`added ${p.id}`, `labeled ${p.id}`]);
      await Promise.all([added.return?.(), labeled.return?.()]);
    } finally {
      await transport.close();
    }
  });

  test('when NOTIFY fails, the event still reaches this process', async () => {
    const failing = { query: () => Promise.reject(new Error('connection refused')) };
    const transport = await start({ db: failing });
    try {
      const pubSub = createAppPubSub(transport.eventTarget);
      const subscription = pubSub.subscribe(Topic.PREDICTION_ADDED)[Symbol.asyncIterator]();
      const [event, announced] = [store(payload(2)), store(payload(3))];
      const receiving = collect(subscription, 2);
      pubSub.publish(Topic.PREDICTION_ADDED, event);
      transport.announceAdded(announced.id);
      assert.deepEqual(await receiving, [event, announced]);
      await subscription.return?.();
    } finally {
      await transport.close();
    }
  });
});
