import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { createDataSource, pgPool } from '../server/src/db/data-source.js';
import type { PredictionRecord } from '../server/src/services/prediction.record.js';
import { PredictionWriter, type NewPrediction } from '../server/src/services/prediction.writer.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** A row as a reader of the table sees it. */
interface Stored {
  id: string;
  client_id: string | null;
  pixels: Buffer;
  probabilities: number[];
  digit: number;
  confidence: number;
  created_at: Date;
}

describe('storing predictions in batches', () => {
  let server: TestServer;
  let dataSource: DataSource;
  let modelVersionId: string;

  const newPrediction = (i: number, clientId: string | null = 'writer-test'): NewPrediction => {
    const probabilities = new Float32Array(10).fill(0.01);
    probabilities[i % 10] = 0.91 + i * 1e-7;
    return {
      modelVersionId,
      clientId,
      pixels: Uint8Array.from({ length: 784 }, (_, p) => (p * 7 + i) % 256),
      probabilities,
      digit: i % 10,
      inputKind: 'pixels',
    };
  };
  const stored = async (ids: string[]) =>
    new Map(
      (await server.db.query<Stored>('SELECT id, client_id, pixels, probabilities, digit, confidence, created_at FROM predictions WHERE id = ANY($1)', [ids])).map(
        (row) => [row.id, row],
      ),
    );
  const statements = async () =>
    Number((await server.db.query<{ n: string }>(`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()`))[0].n);

  before(async () => {
    server = await startTestServer({ config: { runWorker: false } });
    dataSource = createDataSource(server.db.url);
    await dataSource.initialize();
    modelVersionId = (await server.db.query<{ id: string }>(`SELECT id FROM model_versions WHERE status = 'active'`))[0].id;
  });
  after(async () => {
    await dataSource.destroy();
    await server.close();
  });

  test('stores 200 concurrent predictions, each answered exactly as its row reads back', async () => {
    const writer = new PredictionWriter(pgPool(dataSource));
    const records = await Promise.all(Array.from({ length: 200 }, (_, i) => writer.write(newPrediction(i))));
    const rows = await stored(records.map((r) => r.id));
    assert.equal(rows.size, 200);
    records.forEach((record, i) => {
      const row = rows.get(record.id)!;
      assert.deepEqual(new Uint8Array(row.pixels), newPrediction(i).pixels);
      assert.deepEqual(record.probabilities, row.probabilities);
      assert.equal(record.confidence, row.confidence);
      assert.equal(record.digit, row.digit);
      assert.equal(record.createdAt.getTime(), row.created_at.getTime());
      assert.equal(record.label, null);
    });
  });

  test('sends concurrent rows together: far fewer transactions than rows', async () => {
    const writer = new PredictionWriter(pgPool(dataSource), { maxBatch: 64 });
    // Statistics are flushed when a transaction ends; read them in a fresh snapshot.
    await server.db.query('SELECT pg_stat_clear_snapshot()');
    const before = await statements();
    await Promise.all(Array.from({ length: 256 }, (_, i) => writer.write(newPrediction(i))));
    await new Promise((resolve) => setTimeout(resolve, 600));
    await server.db.query('SELECT pg_stat_clear_snapshot()');
    const used = (await statements()) - before;
    // 256 rows at 64 a statement is 4 inserts; the two statistics reads add theirs.
    assert.ok(used <= 10, `256 rows took ${used} transactions`);
  });

  test('keeps the order rows were sent in: each row of a batch has its own, later time', async () => {
    const writer = new PredictionWriter(pgPool(dataSource));
    const records = await Promise.all(Array.from({ length: 20 }, (_, i) => writer.write(newPrediction(i))));
    // Microseconds, which a JavaScript Date cannot hold: read the order in SQL.
    const rows = await server.db.query<{ id: string }>('SELECT DISTINCT ON (created_at) id FROM predictions WHERE id = ANY($1) ORDER BY created_at', [
      records.map((r) => r.id),
    ]);
    assert.deepEqual(
      rows.map((row) => row.id),
      records.map((r) => r.id),
    );
  });

  test('a row the table refuses fails alone; the rest of its batch is stored', async () => {
    const writer = new PredictionWriter(pgPool(dataSource));
    const tooLongClientId = 'x'.repeat(200);
    const outcomes = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => writer.write(newPrediction(i, i === 2 ? tooLongClientId : 'writer-isolation'))));
    assert.equal(outcomes[2].status, 'rejected');
    assert.match(String((outcomes[2] as PromiseRejectedResult).reason), /check constraint/);
    const good = outcomes.filter((o): o is PromiseFulfilledResult<PredictionRecord> => o.status === 'fulfilled').map((o) => o.value);
    assert.equal(good.length, 4);
    assert.equal((await stored(good.map((r) => r.id))).size, 4);
    const refused = await server.db.query(`SELECT 1 FROM predictions WHERE client_id = $1`, [tooLongClientId]);
    assert.equal(refused.length, 0);
  });
});
