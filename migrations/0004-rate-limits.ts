import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate-limit counters shared by every API instance (RATE_LIMIT_STORE=postgres):
 * one row per limit and caller (`key` = `<limit>:<address>`), holding the
 * points used in the current window and when it ends (`expire`, ms since the
 * epoch). The layout is rate-limiter-flexible's RateLimiterPostgres table,
 * created here rather than by the library so the schema only changes through
 * migrations. Expired rows are deleted by the API every few minutes.
 *
 * UNLOGGED: every limited call writes a row, and counters need no WAL —
 * after a crash Postgres empties the table, which only resets the windows.
 */
export class RateLimits1764576000000 implements MigrationInterface {
  name = 'RateLimits1764576000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE UNLOGGED TABLE rate_limits (
        key     varchar(255) PRIMARY KEY,
        points  integer      NOT NULL DEFAULT 0,
        expire  bigint
      )
    `);
    await db.query(`CREATE INDEX rate_limits_expire_idx ON rate_limits (expire)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE rate_limits`);
  }
}
