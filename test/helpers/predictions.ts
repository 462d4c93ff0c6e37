/**
 * Predictions written straight into the database, for tests (and the
 * benchmark) that need many rows or exact timestamps rather than real
 * classifications.
 */
import { CLASSIFY, onePixels, type ClassifyResult } from './drawings.js';
import type { TestDatabase } from './database.js';
import type { TestServer } from './server.js';

export interface SeedOptions {
  /** Rows to insert. */
  count: number;
  /** Owner of every row; null for none. */
  clientId: string | null;
  /** SQL expression of the owner of row `i`, instead of `clientId`. */
  clientIdSql?: string;
  /** SQL expression of the model's answer for row `i` (1-based), e.g. `(i % 10)`. @default '(i % 10)' */
  digit?: string;
  /** SQL expression of the label for row `i`, or `NULL`. @default 'NULL' */
  label?: string;
  /** SQL expression of `created_at` for row `i`. @default "now() - i * interval '1 second'" */
  createdAt?: string;
  /** Model version; the first one when omitted. */
  modelVersionId?: string;
  /** First value of `i` (rows are numbered `start` to `start + count - 1`). @default 1 */
  start?: number;
}

/**
 * Inserts `count` predictions in one statement with `generate_series`; row
 * `i`'s input is a vertical bar with pixel 0 set to `i % 256`, so rows can be
 * told apart in exports.
 */
export async function seedPredictions(db: TestDatabase, options: SeedOptions): Promise<void> {
  const model =
    options.modelVersionId ?? (await db.query<{ id: string }>('SELECT id FROM model_versions ORDER BY version LIMIT 1'))[0]?.id;
  if (!model) throw new Error('seedPredictions needs a model version: start the server with a model first');
  const bar = Buffer.from(onePixels().map((p) => p * 255));
  const label = options.label ?? 'NULL';
  await db.query(
    `INSERT INTO predictions (model_version_id, client_id, pixels, probabilities, digit, confidence, label, input_kind, created_at, labeled_at)
     SELECT $1, coalesce((${options.clientIdSql ?? 'NULL'})::text, $2::text), set_byte($3::bytea, 0, i % 256), array_fill(0.1::real, ARRAY[10]), d, 0.1, l, 'pixels', c,
            CASE WHEN l IS NULL THEN NULL ELSE c END
     FROM generate_series($5::int, $5::int + $4::int - 1) AS i,
          LATERAL (SELECT (${options.digit ?? '(i % 10)'})::smallint AS d, (${label})::smallint AS l,
                          (${options.createdAt ?? "now() - i * interval '1 second'"})::timestamptz AS c) AS v`,
    [model, options.clientId, bar, options.count, options.start ?? 1],
  );
}

/** Classifies the one-pixel bar as `clientId` and returns the prediction's id. */
export async function classifyAs(server: TestServer, clientId: string): Promise<string> {
  const response = await server.graphql<ClassifyResult>(CLASSIFY, { input: { pixels: onePixels() } }, { headers: { 'x-client-id': clientId } });
  if (response.errors) throw new Error(`classify failed: ${JSON.stringify(response.errors)}`);
  return response.data!.classify.id;
}
