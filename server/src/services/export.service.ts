/**
 * Exports of the user dataset (every labelled drawing, oldest first), streamed
 * from a Postgres cursor so memory stays flat however many rows there are:
 *
 * - CSV in the usual MNIST layout: a header `label,1x1,1x2,...,28x28`, then
 *   one row per drawing, its label then 784 pixel values 0–255 (ink 255);
 * - a zip holding `user-images-idx3-ubyte` and `user-labels-idx1-ubyte`, the
 *   original MNIST idx format.
 *
 * Each export reads one REPEATABLE READ snapshot: the count (which the idx
 * headers and the `x-sample-count` header need first) and every row pass
 * see the same rows, whatever is labelled or deleted meanwhile.
 */
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import QueryStream from 'pg-query-stream';
import type { DataSource } from 'typeorm';
import yazl from 'yazl';
import { coerceError } from '../errors.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, IMAGE_SIZE, PIXELS } from '../ml/mnist.js';

/** File names inside the idx zip, as MNIST names its own (`train-images-idx3-ubyte` ...). */
export const IDX_IMAGES_FILE = 'user-images-idx3-ubyte';
export const IDX_LABELS_FILE = 'user-labels-idx1-ubyte';

/** The CSV header: `label,1x1,1x2,...,28x28` (row x column, 1-based). */
export const CSV_HEADER = [
  'label',
  ...Array.from({ length: PIXELS }, (_, i) => `${Math.floor(i / IMAGE_SIZE) + 1}x${(i % IMAGE_SIZE) + 1}`),
].join(',');

/** Rows fetched from the cursor per round trip (~0.8 kB each). */
const BATCH_ROWS = 500;

const WHERE_LABELED = 'label IS NOT NULL';
const ORDER = 'ORDER BY created_at, id';

/** `String(n)` for every byte, so a row is 785 lookups and one join. */
const BYTE_TEXT = Array.from({ length: 256 }, (_, n) => String(n));

/** One CSV line (with its newline) for a labelled drawing. */
export function csvLine(label: number, pixels: Uint8Array): string {
  const cells = new Array<string>(PIXELS + 1);
  cells[0] = BYTE_TEXT[label];
  for (let i = 0; i < PIXELS; i++) cells[i + 1] = BYTE_TEXT[pixels[i]];
  return `${cells.join(',')}\n`;
}

/** The 16-byte header of an idx3-ubyte file of `count` 28x28 images (big-endian). */
export function idxImagesHeader(count: number): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(IDX_IMAGES_MAGIC, 0);
  header.writeUInt32BE(count, 4);
  header.writeUInt32BE(IMAGE_SIZE, 8);
  header.writeUInt32BE(IMAGE_SIZE, 12);
  return header;
}

/** The 8-byte header of an idx1-ubyte file of `count` labels. */
export function idxLabelsHeader(count: number): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(IDX_LABELS_MAGIC, 0);
  header.writeUInt32BE(count, 4);
  return header;
}

/** Called once the snapshot's sample count is known, before any byte is written (set response headers here). */
export type OnCount = (count: number) => void;

interface PgDriver {
  obtainMasterConnection(): Promise<[pg.PoolClient, (error?: Error) => void]>;
}

/** Output is handed on in chunks of about this many bytes: zlib and sockets pay per write, not per byte. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Turns database rows into output bytes, `head` first, gathered into
 * chunks of ~64 kB (one write per row would cost a deflate call each).
 */
function rowTransform<Row>(head: string | Buffer, toChunk: (row: Row) => string | Buffer): Transform {
  let parts: Buffer[] = [typeof head === 'string' ? Buffer.from(head) : head];
  let size = parts[0].byteLength;
  return new Transform({
    writableObjectMode: true,
    transform(row: Row, _encoding, callback) {
      const chunk = toChunk(row);
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      parts.push(bytes);
      size += bytes.byteLength;
      if (size >= CHUNK_BYTES) {
        this.push(Buffer.concat(parts, size));
        parts = [];
        size = 0;
      }
      callback();
    },
    flush(callback) {
      if (size > 0) this.push(Buffer.concat(parts, size));
      callback();
    },
  });
}

export class ExportService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Writes the CSV export to `out` and ends it.
   *
   * @returns the number of drawings written
   * @throws whatever stops the stream (client gone, database error); `out` is then destroyed
   */
  writeCsv(out: Writable, onCount: OnCount): Promise<number> {
    return this.inSnapshot(async (client, count, track) => {
      onCount(count);
      const rows = track(client.query(new QueryStream(`SELECT label, pixels FROM predictions WHERE ${WHERE_LABELED} ${ORDER}`, [], { batchSize: BATCH_ROWS })));
      await pipeline(
        rows,
        rowTransform<{ label: number; pixels: Buffer }>(`${CSV_HEADER}\n`, (row) => csvLine(row.label, row.pixels)),
        out,
      );
    });
  }

  /**
   * Writes the idx zip export to `out` and ends it: images first, then
   * labels, each a pass over the same snapshot in the same order.
   *
   * @returns the number of drawings written
   */
  writeIdxZip(out: Writable, onCount: OnCount): Promise<number> {
    return this.inSnapshot(async (client, count, track) => {
      onCount(count);
      const zip = new yazl.ZipFile();
      // A PassThrough, though typed as the bare interface.
      const output = zip.outputStream as Readable;
      const mtime = new Date();
      const entry = (sql: string, head: Buffer, toChunk: (row: { label: number; pixels: Buffer }) => Buffer) =>
        (callback: (error: Error | null, stream: Readable) => void) => {
          const rows = track(client.query(new QueryStream(sql, [], { batchSize: BATCH_ROWS })));
          const bytes = rowTransform(head, toChunk);
          // yazl pipes the stream but does not watch it for errors: fail the whole archive instead.
          rows.on('error', (error) => output.destroy(error));
          callback(null, rows.pipe(bytes));
        };
      zip.addReadStreamLazy(
        IDX_IMAGES_FILE,
        { mtime, size: 16 + count * PIXELS },
        entry(`SELECT pixels FROM predictions WHERE ${WHERE_LABELED} ${ORDER}`, idxImagesHeader(count), (row) => row.pixels),
      );
      zip.addReadStreamLazy(
        IDX_LABELS_FILE,
        { mtime, size: 8 + count },
        entry(`SELECT label FROM predictions WHERE ${WHERE_LABELED} ${ORDER}`, idxLabelsHeader(count), (row) => Buffer.of(row.label)),
      );
      zip.once('error', (error: Error) => output.destroy(error));
      zip.end();
      await pipeline(output, out);
    });
  }

  /**
   * Runs `write` in a read-only REPEATABLE READ transaction on a connection
   * of its own, after counting the labelled drawings in it. Streams passed
   * to `track` are destroyed if `write` fails, and the connection is then
   * discarded rather than returned to the pool mid-cursor.
   */
  private async inSnapshot(
    write: (client: pg.PoolClient, count: number, track: <S extends Readable>(stream: S) => S) => Promise<void>,
  ): Promise<number> {
    const [client, release] = await (this.dataSource.driver as unknown as PgDriver).obtainMasterConnection();
    const open = new Set<Readable>();
    const track = <S extends Readable>(stream: S): S => {
      open.add(stream);
      stream.once('close', () => open.delete(stream));
      return stream;
    };
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM predictions WHERE ${WHERE_LABELED}`);
      const count = rows[0].n;
      await write(client, count, track);
      await client.query('COMMIT');
      release();
      return count;
    } catch (thrown) {
      const error = coerceError(thrown);
      for (const stream of open) stream.destroy();
      release(error);
      throw error;
    }
  }
}
