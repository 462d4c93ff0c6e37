/**
 * Opaque cursors for keyset pages ordered newest first by `(created_at, id)`.
 *
 * A cursor holds the row's `created_at` to the microsecond, as Postgres
 * stores it (a JS Date keeps only milliseconds, which would skip or repeat
 * rows created in the same millisecond), and its id. Clients must treat it as
 * an opaque string.
 */
import { badUserInput } from '../errors.js';
import { isUuid } from './model.service.js';

/** Rows per page when `first` is omitted. */
export const DEFAULT_PAGE_SIZE = 50;
/** Largest accepted `first`. */
export const MAX_PAGE_SIZE = 200;

export interface KeysetPosition {
  /** `created_at` in UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
  createdAt: string;
  id: string;
}

/** SQL giving a row's `created_at` in the cursor's text form (alias `p`). */
export const CURSOR_TIME_SQL = `to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), 'utf8').toString('base64url');
}

/**
 * @throws GraphQLError BAD_USER_INPUT (field `after`) for anything this API did not hand out
 */
export function decodeCursor(cursor: string): KeysetPosition {
  const refuse = () =>
    badUserInput(
      `after must be a cursor from a previous page's endCursor or edges[].cursor, got ${JSON.stringify(cursor.slice(0, 60))}`,
      'after',
    );
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw refuse();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(value) || value.length !== 2) throw refuse();
  const [createdAt, id] = value as unknown[];
  if (typeof createdAt !== 'string' || !TIME.test(createdAt) || Number.isNaN(Date.parse(createdAt))) throw refuse();
  if (typeof id !== 'string' || !isUuid(id)) throw refuse();
  return { createdAt, id };
}

/**
 * The page size to fetch.
 *
 * @throws GraphQLError BAD_USER_INPUT (field `first`) below 0 or above MAX_PAGE_SIZE
 */
export function pageSize(first: number | null | undefined): number {
  if (first === undefined || first === null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be an integer from 0 to ${MAX_PAGE_SIZE}, got ${first}; page with after: endCursor`, 'first');
  }
  return first;
}

/** One page of a connection, as services hand it out. */
export interface Page<T> {
  edges: Array<{ cursor: string; node: T }>;
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

/** Builds a page from up to `size + 1` rows fetched in order (the extra one only says there is more). */
export function toPage<Row extends { cursor_time: string; id: string }, T>(
  rows: Row[],
  size: number,
  totalCount: number,
  toNode: (row: Row) => T,
): Page<T> {
  const edges = rows.slice(0, size).map((row) => ({ cursor: encodeCursor({ createdAt: row.cursor_time, id: row.id }), node: toNode(row) }));
  return { edges, hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null, totalCount };
}
