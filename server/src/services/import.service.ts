/**
 * Importing labelled drawings from an MNIST CSV (the export's layout: an
 * optional header `label,1x1,...,28x28`, then a label and 784 pixel values
 * 0–255 per line). Each drawing is classified by the active model, so it
 * becomes an ordinary labelled prediction: part of the user dataset, the
 * exports, training and the live performance figures.
 *
 * All or nothing: the file is read as a stream, every line checked, and the
 * rows inserted in batches inside one transaction that commits only after
 * the last line; a bad line rolls everything back and names the line.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { apiError, badUserInput, ErrorCode } from '../errors.js';
import { NUM_CLASSES, PIXELS } from '../ml/mnist.js';
import type { ClassifierService } from './classifier.service.js';
import { CSV_HEADER } from './export.service.js';
import { dequantizePixels } from './prediction.record.js';

/** Most lines one import may hold. @default 100_000 */
export const MAX_IMPORT_ROWS = 100_000;

/** Rows classified together and inserted in one statement. */
const BATCH_ROWS = 256;

interface ParsedRow {
  label: number;
  pixels: Uint8Array;
}

/**
 * One data line: a label 0–9 and 784 integers 0–255.
 *
 * @throws GraphQLError BAD_USER_INPUT naming the line and what is wrong
 */
export function parseCsvLine(line: string, lineNumber: number): ParsedRow {
  const cells = line.split(',');
  const refuse = (what: string) => badUserInput(`line ${lineNumber}: ${what}`, 'body');
  if (cells.length !== PIXELS + 1) throw refuse(`expects a label and ${PIXELS} pixel values (${PIXELS + 1} comma-separated integers), got ${cells.length} values`);
  const pixels = new Uint8Array(PIXELS);
  for (let i = 0; i <= PIXELS; i++) {
    const cell = cells[i].trim();
    const value = /^\d{1,3}$/.test(cell) ? Number(cell) : Number.NaN;
    if (i === 0) {
      if (!(value < NUM_CLASSES)) throw refuse(`the label must be an integer from 0 to 9, got ${JSON.stringify(cell.slice(0, 20))}`);
    } else if (!(value <= 255)) {
      throw refuse(`pixel ${i} must be an integer from 0 to 255, got ${JSON.stringify(cell.slice(0, 20))}`);
    } else {
      pixels[i - 1] = value;
    }
  }
  return { label: Number(cells[0]), pixels };
}

export class ImportService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly classifier: ClassifierService,
  ) {}

  /**
   * Reads `input` (CSV bytes) to the end and stores every drawing, labelled
   * and owned by `clientId`.
   *
   * @returns how many drawings were stored
   * @throws GraphQLError MODEL_NOT_READY before reading, BAD_USER_INPUT for a bad
   *   line or an empty file, PAYLOAD_TOO_LARGE past `maxRows` lines; nothing is stored then
   */
  async importCsv(input: Readable, clientId: string | null, maxRows = MAX_IMPORT_ROWS): Promise<number> {
    this.classifier.assertReady();
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    let imported = 0;
    try {
      await runner.startTransaction();
      let batch: ParsedRow[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const rows = batch;
        batch = [];
        // Concurrent calls are micro-batched into one forward pass by the classifier.
        const outputs = await Promise.all(rows.map((row) => this.classifier.predict(dequantizePixels(row.pixels))));
        const digits = outputs.map((o) => o.probabilities.indexOf(Math.max(...o.probabilities)));
        // clock_timestamp(), not now() (one time for the whole transaction): the rows keep the file's order.
        await runner.query(
          `INSERT INTO predictions (model_version_id, client_id, pixels, probabilities, digit, confidence, label, input_kind, created_at, labeled_at)
           SELECT m, $1, px, pr::real[], d, least(c, 1), l, 'pixels', clock_timestamp(), clock_timestamp()
           FROM unnest($2::uuid[], $3::bytea[], $4::text[], $5::smallint[], $6::real[], $7::smallint[]) AS r(m, px, pr, d, c, l)`,
          [
            clientId,
            outputs.map((o) => o.modelVersionId),
            rows.map((r) => Buffer.from(r.pixels.buffer, r.pixels.byteOffset, r.pixels.byteLength)),
            // Postgres array literals: unnest cannot take a two-dimensional parameter row by row.
            outputs.map((o) => `{${Array.from(o.probabilities).join(',')}}`),
            digits,
            outputs.map((o, i) => o.probabilities[digits[i]]),
            rows.map((r) => r.label),
          ],
        );
        imported += rows.length;
      };

      let lineNumber = 0;
      for await (const line of createInterface({ input, crlfDelay: Infinity })) {
        lineNumber++;
        if (line.trim() === '') continue;
        if (lineNumber === 1 && line.startsWith('label')) {
          if (line.trim() !== CSV_HEADER) {
            throw badUserInput(`line 1: a header must read label,1x1,1x2,...,28x28 (${PIXELS + 1} columns)`, 'body');
          }
          continue;
        }
        if (imported + batch.length >= maxRows) {
          throw apiError(ErrorCode.PAYLOAD_TOO_LARGE, `line ${lineNumber}: an import holds at most ${maxRows} drawings; split the file`, {
            field: 'body',
          });
        }
        batch.push(parseCsvLine(line, lineNumber));
        if (batch.length >= BATCH_ROWS) await flush();
      }
      await flush();
      if (imported === 0) throw badUserInput('the file holds no drawings: expected lines of a label and 784 pixel values', 'body');
      await runner.commitTransaction();
      return imported;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }
}
