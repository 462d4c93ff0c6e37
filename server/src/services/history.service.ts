/**
 * A caller's prediction history: keyset pages, newest first, with filters.
 * Only the caller's own predictions (see `access.ts`).
 */
import type { DataSource } from 'typeorm';
import { badUserInput } from '../errors.js';
import { ownerCondition, type Viewer } from './access.js';
import { isUuid } from './model.service.js';
import { CURSOR_TIME_SQL, decodeCursor, pageSize, toPage, type Page } from './page-cursor.js';
import { fromRow, type PredictionRow } from './prediction.service.js';
import type { PredictionRecord } from './prediction.record.js';
import { queryRows } from './sql.js';

export interface PredictionFilter {
  /** The model's answer. */
  digit?: number | null;
  /** The true digit. */
  label?: number | null;
  /** Labelled and right (true) or labelled and wrong (false). */
  correct?: boolean | null;
  /** Not labelled yet (true) or labelled (false). */
  unlabeled?: boolean | null;
  /** Answered by this model version. */
  modelId?: string | null;
  /** Made at or after this time. */
  from?: Date | null;
  /** Made before this time. */
  to?: Date | null;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** @throws GraphQLError BAD_USER_INPUT naming `field` unless `value` is absent or a digit */
export function checkDigit(value: number | null | undefined, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isInteger(value) || value < 0 || value > 9) {
    throw badUserInput(`${field} must be an integer from 0 to 9, got ${value}`, field);
  }
  return value;
}

/**
 * Appends `created_at` bounds (from inclusive, to exclusive) on `column`.
 *
 * @throws GraphQLError BAD_USER_INPUT when `from` is not before `to`
 */
export function timeRangeConditions(
  range: { from?: Date | null; to?: Date | null },
  column: string,
  params: unknown[],
  field = '',
): string[] {
  const { from, to } = range;
  if (from && to && from.getTime() >= to.getTime()) {
    throw badUserInput(`${field}from (${from.toISOString()}) must be before ${field}to (${to.toISOString()})`, `${field}from`);
  }
  const conditions: string[] = [];
  if (from) conditions.push(`${column} >= $${params.push(from)}`);
  if (to) conditions.push(`${column} < $${params.push(to)}`);
  return conditions;
}

/**
 * SQL conditions (alias `p`) for `filter`, values appended to `params`.
 *
 * @throws GraphQLError BAD_USER_INPUT for values out of range or filters that contradict each other
 */
export function filterConditions(filter: PredictionFilter, params: unknown[]): string[] {
  const conditions: string[] = [];
  const digit = checkDigit(filter.digit, 'filter.digit');
  const label = checkDigit(filter.label, 'filter.label');
  if (filter.unlabeled === true && (label !== null || (filter.correct ?? null) !== null)) {
    throw badUserInput('filter.unlabeled: true cannot be combined with filter.label or filter.correct, which need a label', 'filter.unlabeled');
  }
  if (digit !== null) conditions.push(`p.digit = $${params.push(digit)}`);
  if (label !== null) conditions.push(`p.label = $${params.push(label)}`);
  // label = digit is NULL for unlabelled rows, so both forms keep labelled rows only.
  if (filter.correct === true) conditions.push('p.label = p.digit');
  if (filter.correct === false) conditions.push('p.label <> p.digit');
  if (filter.unlabeled === true) conditions.push('p.label IS NULL');
  if (filter.unlabeled === false) conditions.push('p.label IS NOT NULL');
  if (filter.modelId !== undefined && filter.modelId !== null) {
    if (!isUuid(filter.modelId)) {
      throw badUserInput(`filter.modelId must be a model version id (a UUID), got ${JSON.stringify(filter.modelId.slice(0, 60))}`, 'filter.modelId');
    }
    conditions.push(`p.model_version_id = $${params.push(filter.modelId)}`);
  }
  conditions.push(...timeRangeConditions(filter, 'p.created_at', params, 'filter.'));
  return conditions;
}

type HistoryRow = PredictionRow & { cursor_time: string };

export class HistoryService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One page of the viewer's predictions, newest first.
   *
   * @throws GraphQLError BAD_USER_INPUT for a bad `first`, `after` or filter
   */
  async list(viewer: Viewer, page: PageArgs, filter: PredictionFilter = {}): Promise<Page<PredictionRecord>> {
    const size = pageSize(page.first);
    const position = page.after ? decodeCursor(page.after) : null;
    const params: unknown[] = [];
    const conditions = [ownerCondition(viewer, 'p.client_id', params), ...filterConditions(filter, params)];
    const countSql = `SELECT count(*)::int AS n FROM predictions p WHERE ${conditions.join(' AND ')}`;
    const countParams = [...params];
    if (position) {
      conditions.push(`(p.created_at, p.id) < ($${params.push(position.createdAt)}::timestamptz, $${params.push(position.id)}::uuid)`);
    }
    const pageSql = `
      SELECT p.*, ${CURSOR_TIME_SQL} AS cursor_time
      FROM predictions p
      WHERE ${conditions.join(' AND ')}
      ORDER BY p.created_at DESC, p.id DESC
      LIMIT ${size + 1}`;
    const [rows, [{ n }]] = await Promise.all([
      queryRows<HistoryRow>(this.dataSource, pageSql, params),
      queryRows<{ n: number }>(this.dataSource, countSql, countParams),
    ]);
    return toPage(rows, size, n, fromRow);
  }
}
