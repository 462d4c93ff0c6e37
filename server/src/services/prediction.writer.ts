/**
 * Stores predictions: the rows of concurrent `classify` calls go to Postgres
 * together, one INSERT statement (so one round trip and one commit) per
 * batch, and each call resolves once its row is committed. Under load this
 * is what keeps storing every answer cheap; a lone call still costs one
 * statement and no wait.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { InputKind } from '../db/entities/prediction.entity.js';
import { NUM_CLASSES, PIXELS } from '../ml/mnist.js';
import { MicroBatcher } from '../util/micro-batch.js';
import { asStoredAnswer, type PredictionRecord } from './prediction.record.js';

/** A prediction about to be stored. */
export interface NewPrediction {
  modelVersionId: string;
  clientId: string | null;
  /** 784 bytes, row-major 28x28, ink 255. */
  pixels: Uint8Array;
  /** 10 probabilities, index = digit. */
  probabilities: ArrayLike<number>;
  digit: number;
  inputKind: InputKind;
}

/**
 * One statement for n rows: ids and scalars as arrays, the pixels of all rows
 * as one bytea (sent in binary by the driver, no hex) and the probabilities as
 * one flat real[], each cut back into rows by the row's ordinal. Every row
 * gets its own clock reading, so history keeps the order rows were sent in.
 */
const INSERT_SQL = `
  INSERT INTO predictions (id, model_version_id, client_id, pixels, probabilities, digit, confidence, input_kind, created_at)
  SELECT r.id, r.model_version_id, r.client_id,
         substring($4::bytea FROM (r.n - 1)::int * ${PIXELS} + 1 FOR ${PIXELS}),
         ($5::real[])[(r.n - 1) * ${NUM_CLASSES} + 1 : r.n * ${NUM_CLASSES}],
         r.digit, r.confidence, r.input_kind, clock_timestamp()
    FROM unnest($1::uuid[], $2::uuid[], $3::text[], $6::smallint[], $7::real[], $8::text[]) WITH ORDINALITY
      AS r(id, model_version_id, client_id, digit, confidence, input_kind, n)
  RETURNING id, created_at`;

/** SQLSTATE classes of a row's own fault (bad data, a broken constraint): the other rows of its batch are retried alone. */
const ROW_FAULT = /^2[23]/;

export interface PredictionWriterOptions {
  /** Most rows per statement. @default 256 */
  maxBatch?: number;
  /** Most statements running at once (each holds a pooled connection). @default 2 */
  maxInFlight?: number;
}

/** Where rows go: a pg pool (TypeORM's, or an inference thread's own). */
export type PredictionStore = Pick<pg.Pool, 'query'>;

export class PredictionWriter {
  private readonly batcher: MicroBatcher<NewPrediction, PromiseSettledResult<PredictionRecord>>;

  constructor(
    private readonly pool: PredictionStore,
    options: PredictionWriterOptions = {},
  ) {
    this.batcher = new MicroBatcher({
      run: (rows) => this.insert(rows),
      maxBatch: options.maxBatch ?? 256,
      maxInFlight: options.maxInFlight ?? 2,
    });
  }

  /**
   * Stores one prediction and resolves with it as stored: its new id, the
   * database's clock, and the probabilities and confidence as the `real`
   * columns give them back.
   *
   * @throws the driver's error when the row could not be stored (nothing of it is)
   */
  async write(row: NewPrediction): Promise<PredictionRecord> {
    const outcome = await this.batcher.add(row);
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  }

  /** Stores a batch; when it fails for one row's fault, each row alone, so that only that row fails. */
  private async insert(rows: NewPrediction[]): Promise<PromiseSettledResult<PredictionRecord>[]> {
    try {
      return (await this.insertTogether(rows)).map((value) => ({ status: 'fulfilled', value }));
    } catch (error) {
      if (rows.length === 1 || !ROW_FAULT.test(String((error as { code?: unknown }).code))) throw error;
      return Promise.allSettled(rows.map(async (row) => (await this.insertTogether([row]))[0]));
    }
  }

  private async insertTogether(rows: NewPrediction[]): Promise<PredictionRecord[]> {
    const records = rows.map((row): PredictionRecord => {
      const { probabilities, confidence } = asStoredAnswer(row.probabilities, row.digit);
      return {
        id: randomUUID(),
        modelVersionId: row.modelVersionId,
        clientId: row.clientId,
        pixels: row.pixels,
        probabilities,
        digit: row.digit,
        confidence,
        label: null,
        inputKind: row.inputKind,
        createdAt: new Date(0),
        labeledAt: null,
      };
    });
    const pixels = Buffer.allocUnsafe(records.length * PIXELS);
    records.forEach((record, i) => pixels.set(record.pixels, i * PIXELS));
    const result = await this.pool.query<{ id: string; created_at: Date }>({
      name: 'mnist-insert-predictions',
      text: INSERT_SQL,
      values: [
        records.map((r) => r.id),
        records.map((r) => r.modelVersionId),
        records.map((r) => r.clientId),
        pixels,
        records.flatMap((r) => r.probabilities),
        records.map((r) => r.digit),
        records.map((r) => r.confidence),
        records.map((r) => r.inputKind),
      ],
    });
    const createdAt = new Map(result.rows.map((row) => [row.id, row.created_at]));
    for (const record of records) {
      const at = createdAt.get(record.id);
      if (!at) throw new Error(`prediction ${record.id} was sent but not returned by the INSERT`);
      record.createdAt = at;
    }
    return records;
  }
}
