/**
 * The user dataset: labelled predictions, each a 28x28 drawing and its true
 * digit. Training reads all of them (`training-dataset.ts`); a visitor
 * browses only their own; class counts are shown for everyone's and one's own.
 */
import type { DataSource } from 'typeorm';
import { ownerCondition, type Viewer } from './access.js';
import { checkDigit, type PageArgs } from './history.service.js';
import { CURSOR_TIME_SQL, decodeCursor, pageSize, toPage, type Page } from './page-cursor.js';
import { queryRows } from './sql.js';

/** One labelled drawing. */
export interface UserSampleRecord {
  /** The prediction's id. */
  id: string;
  label: number;
  /** What the model answered when the drawing was classified. */
  digit: number;
  modelVersionId: string;
  /** 784 bytes, row-major 28x28, ink 255 on background 0. */
  pixels: Uint8Array;
  createdAt: Date;
  labeledAt: Date;
}

interface SampleRow {
  id: string;
  label: number;
  digit: number;
  model_version_id: string;
  pixels: Buffer;
  created_at: Date;
  labeled_at: Date;
  cursor_time: string;
}

const toSample = (row: SampleRow): UserSampleRecord => ({
  id: row.id,
  label: row.label,
  digit: row.digit,
  modelVersionId: row.model_version_id,
  pixels: new Uint8Array(row.pixels.buffer, row.pixels.byteOffset, row.pixels.byteLength),
  createdAt: row.created_at,
  labeledAt: row.labeled_at,
});

export class DatasetService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One page of the viewer's labelled drawings, newest first.
   *
   * @throws GraphQLError BAD_USER_INPUT for a bad `first`, `after` or `label`
   */
  async userSamples(viewer: Viewer, page: PageArgs, label?: number | null): Promise<Page<UserSampleRecord>> {
    const size = pageSize(page.first);
    const position = page.after ? decodeCursor(page.after) : null;
    const digit = checkDigit(label, 'label');
    const params: unknown[] = [];
    const conditions = ['p.label IS NOT NULL', ownerCondition(viewer, 'p.client_id', params)];
    if (digit !== null) conditions.push(`p.label = $${params.push(digit)}`);
    const countParams = [...params];
    const countSql = `SELECT count(*)::int AS n FROM predictions p WHERE ${conditions.join(' AND ')}`;
    if (position) {
      conditions.push(`(p.created_at, p.id) < ($${params.push(position.createdAt)}::timestamptz, $${params.push(position.id)}::uuid)`);
    }
    const [rows, [{ n }]] = await Promise.all([
      queryRows<SampleRow>(
        this.dataSource,
        `SELECT p.id, p.label, p.digit, p.model_version_id, p.pixels, p.created_at, p.labeled_at, ${CURSOR_TIME_SQL} AS cursor_time
         FROM predictions p
         WHERE ${conditions.join(' AND ')}
         ORDER BY p.created_at DESC, p.id DESC
         LIMIT ${size + 1}`,
        params,
      ),
      queryRows<{ n: number }>(this.dataSource, countSql, countParams),
    ]);
    return toPage(rows, size, n, toSample);
  }

  /**
   * Labelled drawings per digit (index = digit): every client's, or only
   * `viewer`'s own when given.
   */
  async classCounts(viewer?: Viewer): Promise<number[]> {
    const params: unknown[] = [];
    const conditions = ['label IS NOT NULL'];
    if (viewer) conditions.push(ownerCondition(viewer, 'client_id', params));
    const rows = await queryRows<{ label: number; n: number }>(
      this.dataSource,
      `SELECT label, count(*)::int AS n FROM predictions WHERE ${conditions.join(' AND ')} GROUP BY label`,
      params,
    );
    const counts = new Array<number>(10).fill(0);
    for (const row of rows) counts[row.label] = row.n;
    return counts;
  }
}
