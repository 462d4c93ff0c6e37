/**
 * A training job's progress events: stored in `training_events`, announced on
 * the `trainingEvent` topic in the same statement, and followed by
 * subscribers as "history first, then live".
 */
import type { DataSource } from 'typeorm';
import { AsyncQueue } from '../events/async-queue.js';
import type { EventBus } from '../events/bus.js';
import { CHANNELS, TERMINAL_EVENT_TYPES, type TrainingEventData, type TrainingEventRecord } from '../events/topics.js';
import type { Queryable } from '../events/pg-notify.js';

interface EventRow {
  job_id: string;
  seq: number;
  type: TrainingEventRecord['type'];
  payload: Omit<TrainingEventData, 'type'>;
  created_at: Date;
}

function toRecord(row: EventRow): TrainingEventRecord {
  return { ...row.payload, type: row.type, jobId: row.job_id, seq: row.seq, at: row.created_at.toISOString() };
}

// One round trip: take the job's next seq, store the event, NOTIFY it (inline
// when it fits in a NOTIFY, else only its key). Nothing happens for an
// unknown job. $6 repeats $4 as text so `at` is exactly the ISO string sent.
const APPEND_SQL = `
  WITH bumped AS (
    UPDATE training_jobs SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq AS seq
  ), inserted AS (
    INSERT INTO training_events (job_id, seq, type, payload, created_at)
    SELECT $1, seq, $2, $3::jsonb, $4::timestamptz FROM bumped
    RETURNING seq
  ), notice AS (
    SELECT seq, jsonb_build_object(
      'jobId', $7::text, 'seq', seq,
      'event', $3::jsonb || jsonb_build_object('type', $2::text, 'jobId', $7::text, 'seq', seq, 'at', $6::text)
    )::text AS body
    FROM inserted
  )
  SELECT seq, pg_notify($5, CASE WHEN octet_length(body) <= 7999 THEN body
                                 ELSE jsonb_build_object('jobId', $7::text, 'seq', seq)::text END)
  FROM notice`;

export class TrainingEventsService {
  constructor(
    private readonly db: DataSource,
    private readonly bus: EventBus,
  ) {}

  /**
   * Stores and announces one event of job `jobId`.
   *
   * @param via a transaction to ride (the announcement then goes out on its commit); default: autocommit
   * @throws Error when the job does not exist
   */
  async append(jobId: string, data: TrainingEventData, via: Queryable = this.db): Promise<TrainingEventRecord> {
    const { type, ...payload } = data;
    const at = new Date().toISOString();
    const rows = (await via.query(APPEND_SQL, [jobId, type, JSON.stringify(payload), at, CHANNELS.trainingEvent, at, jobId])) as Array<{
      seq: number;
    }>;
    const row = rows[0];
    if (!row) throw new Error(`cannot record a ${type} event: training job ${jobId} does not exist`);
    return { ...payload, type, jobId, seq: row.seq, at };
  }

  /** Stored events of `jobId` with `seq > afterSeq`, oldest first. */
  async history(jobId: string, afterSeq = 0): Promise<TrainingEventRecord[]> {
    const rows: EventRow[] = await this.db.query(
      `SELECT job_id, seq, type, payload, created_at FROM training_events WHERE job_id = $1 AND seq > $2 ORDER BY seq`,
      [jobId, afterSeq],
    );
    return rows.map(toRecord);
  }

  /**
   * What a late subscriber needs of the history: every event except BATCH
   * ticks a later event superseded (the newest event is always kept, so its
   * seq is the last one stored).
   */
  async compactHistory(jobId: string): Promise<TrainingEventRecord[]> {
    const rows: EventRow[] = await this.db.query(
      `SELECT job_id, seq, type, payload, created_at FROM training_events
       WHERE job_id = $1 AND (type <> 'BATCH' OR seq = (SELECT max(seq) FROM training_events WHERE job_id = $1))
       ORDER BY seq`,
      [jobId],
    );
    return rows.map(toRecord);
  }

  /** The stored events of one type, oldest first (EPOCH: the training curve so far). */
  async ofType(jobId: string, type: TrainingEventRecord['type']): Promise<TrainingEventRecord[]> {
    const rows: EventRow[] = await this.db.query(
      `SELECT job_id, seq, type, payload, created_at FROM training_events WHERE job_id = $1 AND type = $2 ORDER BY seq`,
      [jobId, type],
    );
    return rows.map(toRecord);
  }

  /**
   * Drops the BATCH ticks of a job that ended (inside `via`, the transaction
   * recording its end): no subscriber reads them again, EPOCH events keep the curve.
   */
  async pruneTicks(jobId: string, via: Queryable): Promise<void> {
    await via.query(`DELETE FROM training_events WHERE job_id = $1 AND type = 'BATCH'`, [jobId]);
  }

  /**
   * Follows job `jobId`: first its history (compacted), then each new event
   * as it is announced by whichever process runs the job. A missed
   * notification (a gap in `seq`, an event too big to inline, a LISTEN
   * reconnect) is filled from the table. Ends after a COMPLETED, FAILED or
   * CANCELLED event; ending it early (`return()`) unsubscribes.
   *
   * The caller checks that the job exists.
   */
  follow(jobId: string): AsyncIterableIterator<TrainingEventRecord> {
    let lastSeq = 0;
    // Every step (history read, live notice, catch-up) runs in order on one chain,
    // so notices that arrive while the history is read simply wait their turn.
    let chain: Promise<void> = Promise.resolve();
    const step = (fn: () => void | Promise<void>): void => {
      chain = chain.then(fn).catch((error: unknown) => queue.end(error));
    };
    const deliver = (event: TrainingEventRecord): void => {
      if (event.seq <= lastSeq || queue.done) return;
      lastSeq = event.seq;
      queue.push(event);
      if (TERMINAL_EVENT_TYPES.has(event.type)) queue.end();
    };
    const catchUp = async (): Promise<void> => {
      if (queue.done) return;
      for (const event of await this.history(jobId, lastSeq)) deliver(event);
    };

    const unsubscribe = this.bus.subscribe('trainingEvent', (notice) => {
      if (notice.jobId !== jobId || queue.done) return;
      step(() => {
        if (notice.seq <= lastSeq) return;
        if (notice.event && notice.seq === lastSeq + 1) return deliver(notice.event);
        return catchUp();
      });
    });
    const unReconnect = this.bus.onReconnect(() => step(catchUp));
    const queue = new AsyncQueue<TrainingEventRecord>(() => {
      unsubscribe();
      unReconnect();
    });

    step(async () => {
      for (const event of await this.compactHistory(jobId)) deliver(event);
    });
    return queue;
  }
}
