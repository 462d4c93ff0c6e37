/** Raw SQL through TypeORM's pool, for the queries its builders cannot express (keyset pages, grouping sets). */
import type { DataSource } from 'typeorm';

/**
 * Runs one parameterised statement and returns its rows, whatever the
 * command (TypeORM's `DataSource.query` returns `[rows, count]` for UPDATE
 * and DELETE).
 */
export async function queryRows<Row>(dataSource: DataSource, sql: string, params: unknown[] = []): Promise<Row[]> {
  const runner = dataSource.createQueryRunner();
  try {
    return (await runner.query(sql, params, true)).records as Row[];
  } finally {
    await runner.release();
  }
}
