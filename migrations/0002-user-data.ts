import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The time-bucket expressions of the performance query at the time of this
 * migration (copied, not imported: a migration must not change when the code does).
 */
const BUCKET_EXPRESSIONS = {
  hour: `date_bin('1 hour'::interval, created_at, '2000-01-03 00:00:00+00'::timestamptz)`,
  day: `date_bin('1 day'::interval, created_at, '2000-01-03 00:00:00+00'::timestamptz)`,
  week: `date_bin('7 days'::interval, created_at, '2000-01-03 00:00:00+00'::timestamptz)`,
  month: `date_trunc('month', created_at, 'UTC')`,
} as const;

/**
 * Indexes for the user-data features: live performance from labels, and
 * per-client views of the labelled drawings.
 *
 * The performance query (`services/performance.service.ts`) reads only
 * `created_at, model_version_id, label, digit` of labelled rows, grouped by
 * (model, label, digit, time bucket). These partial covering indexes let
 * Postgres answer it with an index-only scan (no heap access once the
 * visibility map is set) whatever the time range, and with `mine: true` touch
 * only the caller's rows.
 *
 * The statistics on the four bucket expressions tell the planner how few
 * buckets there are; without them it assumes one group per row and will not
 * split the aggregation over parallel workers (measured: ~2x slower at
 * 500,000 labelled rows). The expressions must stay identical to
 * `BUCKET_SQL` in the service.
 *
 * History and user-sample pages already have their keyset indexes (0001).
 */
export class UserData1764403200000 implements MigrationInterface {
  name = 'UserData1764403200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX predictions_labeled_created_at_idx ON predictions (created_at)
         INCLUDE (model_version_id, label, digit) WHERE label IS NOT NULL`,
    );
    await db.query(
      `CREATE INDEX predictions_labeled_client_idx ON predictions (client_id, created_at)
         INCLUDE (model_version_id, label, digit) WHERE label IS NOT NULL AND client_id IS NOT NULL`,
    );
    for (const [bucket, expression] of Object.entries(BUCKET_EXPRESSIONS)) {
      await db.query(`CREATE STATISTICS predictions_${bucket}_bucket_stats ON (${expression}) FROM predictions`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const bucket of Object.keys(BUCKET_EXPRESSIONS)) await db.query(`DROP STATISTICS predictions_${bucket}_bucket_stats`);
    await db.query(`DROP INDEX predictions_labeled_client_idx`);
    await db.query(`DROP INDEX predictions_labeled_created_at_idx`);
  }
}
