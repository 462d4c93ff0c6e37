import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { withTestDatabase, type TestDatabase } from '../../../test/helpers/database.js';
import { MAX_NOTIFY_PAYLOAD_BYTES, PgNotifyListener, pgNotify } from './pg-notify.js';

const next = (listener: PgNotifyListener, timeoutMs = 5_000) =>
  new Promise<{ channel: string; payload: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no notification within ${timeoutMs} ms`)), timeoutMs);
    const off = listener.onNotification((channel, payload) => {
      clearTimeout(timer);
      off();
      resolve({ channel, payload });
    });
  });

describe('PgNotifyListener', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  before(async () => {
    db = await withTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
  });
  after(async () => {
    await pool?.end();
    await db?.close();
  });

  test('delivers a notification sent in a transaction only when it commits', async () => {
    const listener = new PgNotifyListener({ connectionString: db.url, channels: ['test_channel'] });
    await listener.start();
    try {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await pgNotify(client, 'test_channel', 'rolled back');
        await client.query('ROLLBACK');
        await client.query('BEGIN');
        await pgNotify(client, 'test_channel', 'committed');
        const received = next(listener);
        await client.query('COMMIT');
        assert.deepEqual(await received, { channel: 'test_channel', payload: 'committed' });
      } finally {
        client.release();
      }
    } finally {
      await listener.close();
    }
  });

  test('reconnects after its connection is killed, and says so', async () => {
    const listener = new PgNotifyListener({ connectionString: db.url, channels: ['test_channel'], reconnectDelayMs: 50, applicationName: 'notify-test' });
    await listener.start();
    try {
      const reconnected = new Promise<void>((resolve) => listener.onReconnect(resolve));
      await pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'notify-test'`);
      await reconnected;
      assert.equal(listener.connected, true);
      const received = next(listener);
      await pgNotify(pool, 'test_channel', 'after reconnect');
      assert.equal((await received).payload, 'after reconnect');
    } finally {
      await listener.close();
    }
  });

  test('refuses a payload Postgres would refuse, and a channel name that is not an identifier', async () => {
    await assert.rejects(pgNotify(pool, 'test_channel', 'x'.repeat(MAX_NOTIFY_PAYLOAD_BYTES + 1)), /over Postgres's 7999-byte limit/);
    assert.throws(() => new PgNotifyListener({ connectionString: db.url, channels: ['bad; DROP TABLE x'] }), /channel names/);
  });
});
