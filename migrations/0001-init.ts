import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Model versions and the predictions made with them.
 *
 * Shaped for what comes next: keyset-paginated history (every history index
 * ends in `created_at DESC, id DESC`), filters by owner, label, digit and model,
 * and live accuracy / confusion matrices computed in SQL from an index-only
 * scan of the labelled rows (`predictions_performance_idx`).
 */
export class Init1764316800000 implements MigrationInterface {
  name = 'Init1764316800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE model_versions (
        id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        version       integer     NOT NULL CHECK (version > 0),
        name          text        NOT NULL,
        status        text        NOT NULL DEFAULT 'candidate'
                                  CHECK (status IN ('candidate', 'active', 'retired', 'failed')),
        topology      jsonb,
        weight_specs  jsonb,
        weights       bytea,
        metrics       jsonb       NOT NULL DEFAULT '{}',
        recipe        jsonb       NOT NULL DEFAULT '{}',
        lineage       jsonb       NOT NULL DEFAULT '{}',
        backend       text,
        duration_ms   integer     CHECK (duration_ms >= 0),
        created_at    timestamptz NOT NULL DEFAULT now(),
        activated_at  timestamptz,
        CONSTRAINT model_versions_version_key UNIQUE (version),
        -- A failed training may leave no weights; every other version can be loaded.
        CONSTRAINT model_versions_artifacts_check
          CHECK (status = 'failed' OR (topology IS NOT NULL AND weight_specs IS NOT NULL AND weights IS NOT NULL)),
        CONSTRAINT model_versions_activated_check CHECK (status <> 'active' OR activated_at IS NOT NULL)
      )`);
    // At most one active model, enforced by the database rather than by callers.
    await db.query(`CREATE UNIQUE INDEX model_versions_one_active_idx ON model_versions ((true)) WHERE status = 'active'`);

    await db.query(`
      CREATE TABLE predictions (
        id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        model_version_id  uuid        NOT NULL REFERENCES model_versions (id) ON DELETE RESTRICT,
        client_id         text        CHECK (char_length(client_id) BETWEEN 1 AND 128),
        -- The 28x28 input the model saw, row-major, ink 255 on background 0 (as MNIST stores it).
        pixels            bytea       NOT NULL CHECK (octet_length(pixels) = 784),
        probabilities     real[]      NOT NULL CHECK (cardinality(probabilities) = 10),
        digit             smallint    NOT NULL CHECK (digit BETWEEN 0 AND 9),
        confidence        real        NOT NULL CHECK (confidence BETWEEN 0 AND 1),
        label             smallint    CHECK (label BETWEEN 0 AND 9),
        input_kind        text        NOT NULL CHECK (input_kind IN ('strokes', 'image', 'pixels')),
        created_at        timestamptz NOT NULL DEFAULT now(),
        labeled_at        timestamptz,
        CONSTRAINT predictions_labeled_at_check CHECK ((label IS NULL) = (labeled_at IS NULL))
      )`);
    await db.query(`CREATE INDEX predictions_created_at_idx ON predictions (created_at DESC, id DESC)`);
    await db.query(
      `CREATE INDEX predictions_client_created_at_idx ON predictions (client_id, created_at DESC, id DESC) WHERE client_id IS NOT NULL`,
    );
    await db.query(
      `CREATE INDEX predictions_label_created_at_idx ON predictions (label, created_at DESC, id DESC) WHERE label IS NOT NULL`,
    );
    await db.query(`CREATE INDEX predictions_digit_created_at_idx ON predictions (digit, created_at DESC, id DESC)`);
    await db.query(
      `CREATE INDEX predictions_model_version_created_at_idx ON predictions (model_version_id, created_at DESC, id DESC)`,
    );
    // Confusion matrices and accuracy per model read only these three columns of labelled rows.
    await db.query(
      `CREATE INDEX predictions_performance_idx ON predictions (model_version_id, label, digit) WHERE label IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE predictions`);
    await db.query(`DROP TABLE model_versions`);
  }
}
