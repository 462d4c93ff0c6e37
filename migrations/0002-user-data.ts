import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the user-data features: live performance from labels, and
 * per-client views of the labelled drawings.
 *
 * The performance query reads only `created_at, model_version_id, label,
 * digit` of labelled rows, grouped by (model, label, digit) and by time
 * bucket in one pass; these partial covering indexes let Postgres answer it
 * with an index-only scan (no heap access once the visibility map is set)
 * whatever the time range, and with `mine: true` touch only the caller's rows.
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
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX predictions_labeled_client_idx`);
    await db.query(`DROP INDEX predictions_labeled_created_at_idx`);
  }
}
