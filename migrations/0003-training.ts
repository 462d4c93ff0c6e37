import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Training jobs and their progress events.
 *
 * A job row is the source of truth for a training run; the graphile-worker
 * queue (its own `graphile_worker` schema, installed by its own migrations
 * when the queue starts) only delivers the job id to a worker. State changes
 * are guarded updates on this row (`WHERE status = 'running' AND worker_id =
 * $me`), so a worker that lost its job — presumed dead by the sweeper, or the
 * job cancelled — can never complete it or create a model version.
 *
 * Events are stored before they are announced, so a subscriber that comes late
 * (or reconnects) reads the history and then follows the live notifications;
 * `seq` is dense per job so a gap shows a missed notification.
 */
export class Training1764489600000 implements MigrationInterface {
  name = 'Training1764489600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE training_jobs (
        id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        status            text        NOT NULL DEFAULT 'queued'
                                      CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        -- The validated TrainingInput with defaults applied: epochs, batchSize, learningRate ...
        params            jsonb       NOT NULL,
        -- The dataset snapshot taken when the job started: counts per class, user samples, newest one.
        lineage           jsonb,
        error             text,
        -- Runs started so far (a worker killed mid-run costs one); at most max_attempts.
        attempts          integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        max_attempts      integer     NOT NULL DEFAULT 2 CHECK (max_attempts BETWEEN 1 AND 10),
        -- graphile-worker's id of the worker running it; with heartbeat_at, lets a sweeper find dead runs.
        worker_id         text,
        heartbeat_at      timestamptz,
        cancel_requested  boolean     NOT NULL DEFAULT false,
        -- Last seq handed out in training_events; bumped in the same statement as each insert.
        event_seq         integer     NOT NULL DEFAULT 0 CHECK (event_seq >= 0),
        model_version_id  uuid        REFERENCES model_versions (id) ON DELETE RESTRICT,
        created_at        timestamptz NOT NULL DEFAULT now(),
        started_at        timestamptz,
        finished_at       timestamptz,
        CONSTRAINT training_jobs_attempts_max_check CHECK (attempts <= max_attempts),
        CONSTRAINT training_jobs_finished_check
          CHECK ((status IN ('completed', 'failed', 'cancelled')) = (finished_at IS NOT NULL)),
        CONSTRAINT training_jobs_running_check
          CHECK (status <> 'running' OR (worker_id IS NOT NULL AND started_at IS NOT NULL AND heartbeat_at IS NOT NULL)),
        -- A version exists only for a completed job: it is created in the transaction that completes it.
        CONSTRAINT training_jobs_model_version_check CHECK ((status = 'completed') = (model_version_id IS NOT NULL))
      )`);
    await db.query(`CREATE INDEX training_jobs_created_at_idx ON training_jobs (created_at DESC, id DESC)`);
    // The sweeper's scan: running jobs by last heartbeat.
    await db.query(`CREATE INDEX training_jobs_heartbeat_idx ON training_jobs (heartbeat_at) WHERE status = 'running'`);
    await db.query(
      `CREATE UNIQUE INDEX training_jobs_model_version_idx ON training_jobs (model_version_id) WHERE model_version_id IS NOT NULL`,
    );

    await db.query(`
      CREATE TABLE training_events (
        job_id      uuid        NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
        seq         integer     NOT NULL CHECK (seq > 0),
        type        text        NOT NULL
                                CHECK (type IN ('QUEUED', 'STARTED', 'BATCH', 'EPOCH', 'EVALUATING', 'COMPLETED', 'FAILED', 'CANCELLED')),
        -- The event's fields (epoch, loss, perClass ...) as sent to subscribers, without job_id/seq/at.
        payload     jsonb       NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (job_id, seq)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE training_events`);
    await db.query(`DROP TABLE training_jobs`);
  }
}
