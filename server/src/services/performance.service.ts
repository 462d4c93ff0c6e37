/**
 * Live performance of the models on people's drawings, from their labels,
 * computed in SQL: one pass over the labelled rows grouped by (model, label,
 * digit, time bucket), rolled up in the same statement into the per-model
 * confusion matrices and the per-bucket counts. Accuracy, per-class
 * precision / recall / F1 and the model comparison derive from those few
 * hundred numbers. The pass is an index-only scan of
 * `predictions_labeled_created_at_idx` (or `..._client_idx` for `mine`),
 * aggregated by parallel workers (see migration 0002 for why the bucket
 * expressions have statistics). The confidence distribution, asked for
 * separately, scans the same index (which carries `confidence` since 0005).
 */
import type { DataSource } from 'typeorm';
import { badUserInput } from '../errors.js';
import { ownerCondition, type Viewer } from './access.js';
import { timeRangeConditions } from './history.service.js';
import { isUuid } from './model.service.js';

export const TIME_BUCKETS = ['hour', 'day', 'week', 'month'] as const;
export type TimeBucket = (typeof TIME_BUCKETS)[number];

/**
 * The SQL of each bucket over a `timestamptz` column, in UTC (weeks start on
 * Monday: 2000-01-03 was one). `date_bin` is plain arithmetic on the stored
 * time; months need the calendar. Migration 0002 keeps statistics on these
 * exact expressions (over `created_at`): change them together.
 */
export const BUCKET_SQL: Record<TimeBucket, (column: string) => string> = {
  hour: (column) => `date_bin('1 hour'::interval, ${column}, '2000-01-03 00:00:00+00'::timestamptz)`,
  day: (column) => `date_bin('1 day'::interval, ${column}, '2000-01-03 00:00:00+00'::timestamptz)`,
  week: (column) => `date_bin('7 days'::interval, ${column}, '2000-01-03 00:00:00+00'::timestamptz)`,
  month: (column) => `date_trunc('month', ${column}, 'UTC')`,
};

/**
 * The aggregate over predictions `p` matching `where`: one row per (model,
 * label, digit) with `by_time = 0`, one per time bucket with `by_time = 1`,
 * each with its count `n` and how many of those were right (`correct`).
 */
export function aggregateSql(bucket: TimeBucket, where: string): string {
  // One int per confusion cell (label * 10 + digit) hashes faster than two smallints (~15 % at 500,000 rows).
  return `
    WITH g AS (
      SELECT p.model_version_id, p.label * 10 + p.digit AS cell, ${BUCKET_SQL[bucket]('p.created_at')} AS bucket_start, count(*)::int AS n
      FROM predictions p
      WHERE ${where}
      GROUP BY 1, 2, 3
    )
    SELECT 0 AS by_time, model_version_id, cell / 10 AS label, cell % 10 AS digit, NULL::timestamptz AS bucket_start,
           sum(n)::int AS n, coalesce(sum(n) FILTER (WHERE cell / 10 = cell % 10), 0)::int AS correct
    FROM g GROUP BY model_version_id, cell
    UNION ALL
    SELECT 1, NULL, NULL, NULL, bucket_start, sum(n)::int, coalesce(sum(n) FILTER (WHERE cell / 10 = cell % 10), 0)::int
    FROM g GROUP BY bucket_start`;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The bucket giving a readable series over `spanMs`: hours up to two days,
 * days up to 90 days, weeks up to three years, else months (at most ~160
 * points until the history is over 13 years long).
 */
export function bucketFor(spanMs: number): TimeBucket {
  if (spanMs <= 2 * DAY_MS) return 'hour';
  if (spanMs <= 90 * DAY_MS) return 'day';
  if (spanMs <= 3 * 365 * DAY_MS) return 'week';
  return 'month';
}

export interface PerformanceQuery {
  /** Only predictions answered by this model version. */
  modelId?: string | null;
  /** Only predictions made at or after this time. */
  from?: Date | null;
  /** Only predictions made before this time. */
  to?: Date | null;
  /** Only the viewer's own predictions; otherwise every client's (aggregates only, no drawings). */
  mine?: boolean | null;
}

export interface ClassPerformance {
  digit: number;
  /** Of the drawings the model called `digit`, the share labelled `digit`; null when it never answered `digit`. */
  precision: number | null;
  /** Of the drawings labelled `digit`, the share the model got right; null without any. */
  recall: number | null;
  /** Harmonic mean of precision and recall; null when either is null. */
  f1: number | null;
  /** Drawings labelled `digit`. */
  support: number;
}

export interface PerformanceBucket {
  /** Start of the bucket, UTC (weeks start on Monday). */
  bucketStart: Date;
  count: number;
  correct: number;
  accuracy: number;
}

export interface ModelPerformance {
  modelVersionId: string;
  labeledCount: number;
  correctCount: number;
  accuracy: number | null;
}

export interface PerformanceReport {
  labeledCount: number;
  correctCount: number;
  /** correctCount / labeledCount; null without labels. */
  accuracy: number | null;
  /** 10x10 counts, row = true label, column = the model's answer. */
  confusionMatrix: number[][];
  perClass: ClassPerformance[];
  /** Mean F1 over the digits that have one; null when none has. */
  macroF1: number | null;
  bucket: TimeBucket;
  /** Buckets with at least one labelled prediction, oldest first. */
  overTime: PerformanceBucket[];
  /** Per model version, most labelled first. */
  byModel: ModelPerformance[];
}

interface AggregateRow {
  /** 0 for a (model, label, digit) row, 1 for a time-bucket row. */
  by_time: number;
  model_version_id: string | null;
  label: number | null;
  digit: number | null;
  bucket_start: Date | null;
  n: number;
  correct: number;
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** Bins of {@link PerformanceService.confidence}: 0.05 wide. */
export const CONFIDENCE_BINS = 20;

export interface ConfidenceBin {
  /** Lower edge, inclusive. */
  lo: number;
  /** Upper edge, exclusive (inclusive for the last bin). */
  hi: number;
  /** Labelled predictions in the bin that the model got right. */
  correct: number;
  wrong: number;
}

export interface ConfidenceDistribution {
  /** {@link CONFIDENCE_BINS} bins, lowest confidence first. */
  bins: ConfidenceBin[];
  /** Mean confidence of the right answers; null without any. */
  meanWhenCorrect: number | null;
  meanWhenWrong: number | null;
}

/**
 * The SQL condition (over predictions `p`) for the labelled predictions a
 * query asks about, with its parameters.
 *
 * @throws GraphQLError BAD_USER_INPUT for a malformed `modelId` or `from` not before `to`
 */
function labelledScope(viewer: Viewer, query: PerformanceQuery): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const conditions = ['p.label IS NOT NULL'];
  if (query.mine) conditions.push(ownerCondition(viewer, 'p.client_id', params));
  if (query.modelId !== undefined && query.modelId !== null) {
    if (!isUuid(query.modelId)) {
      throw badUserInput(`modelId must be a model version id (a UUID), got ${JSON.stringify(query.modelId.slice(0, 60))}`, 'modelId');
    }
    conditions.push(`p.model_version_id = $${params.push(query.modelId)}`);
  }
  conditions.push(...timeRangeConditions(query, 'p.created_at', params));
  return { where: conditions.join(' AND '), params };
}

/** Precision, recall and F1 of each digit from a confusion matrix (row = truth). */
export function perClassFromConfusion(confusion: number[][]): ClassPerformance[] {
  return confusion.map((row, digit) => {
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((sum, r) => sum + r[digit], 0);
    const hits = row[digit];
    const precision = ratio(hits, predicted);
    const recall = ratio(hits, support);
    const f1 = precision === null || recall === null ? null : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { digit, precision, recall, f1, support };
  });
}

export class PerformanceService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * @throws GraphQLError BAD_USER_INPUT for a malformed `modelId` or `from` not before `to`
   */
  async report(viewer: Viewer, query: PerformanceQuery = {}): Promise<PerformanceReport> {
    const { where, params } = labelledScope(viewer, query);

    const { bucket, rows } = await this.dataSource.transaction(async (manager) => {
      // The aggregate's estimated cost can pass jit_above_cost; compiling it costs more (~50 ms) than it saves.
      await manager.query('SET LOCAL jit = off');
      const chosen = await this.chooseBucket(query, where, params, (sql, values) => manager.query(sql, values));
      return { bucket: chosen, rows: (await manager.query(aggregateSql(chosen, where), params)) as AggregateRow[] };
    });

    const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    const models = new Map<string, ModelPerformance>();
    const overTime: PerformanceBucket[] = [];
    for (const row of rows) {
      if (row.by_time) {
        overTime.push({ bucketStart: row.bucket_start!, count: row.n, correct: row.correct, accuracy: row.correct / row.n });
        continue;
      }
      confusion[row.label!][row.digit!] += row.n;
      const id = row.model_version_id!;
      const model = models.get(id) ?? { modelVersionId: id, labeledCount: 0, correctCount: 0, accuracy: null };
      model.labeledCount += row.n;
      model.correctCount += row.correct;
      models.set(id, model);
    }
    overTime.sort((a, b) => a.bucketStart.getTime() - b.bucketStart.getTime());
    const byModel = [...models.values()]
      .map((m) => ({ ...m, accuracy: ratio(m.correctCount, m.labeledCount) }))
      .sort((a, b) => b.labeledCount - a.labeledCount || a.modelVersionId.localeCompare(b.modelVersionId));
    const labeledCount = byModel.reduce((sum, m) => sum + m.labeledCount, 0);
    const correctCount = byModel.reduce((sum, m) => sum + m.correctCount, 0);
    const perClass = perClassFromConfusion(confusion);
    const f1s = perClass.map((c) => c.f1).filter((f): f is number => f !== null);
    return {
      labeledCount,
      correctCount,
      accuracy: ratio(correctCount, labeledCount),
      confusionMatrix: confusion,
      perClass,
      macroF1: f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : null,
      bucket,
      overTime,
      byModel,
    };
  }

  /**
   * How sure the model was when it was right and when it was wrong: the
   * labelled predictions of `query` by confidence, in {@link CONFIDENCE_BINS}
   * equal bins from 0 to 1 (a confidence of exactly 1 counts in the last).
   *
   * @throws GraphQLError BAD_USER_INPUT as {@link report}
   */
  async confidence(viewer: Viewer, query: PerformanceQuery = {}): Promise<ConfidenceDistribution> {
    const { where, params } = labelledScope(viewer, query);
    const rows = (await this.dataSource.query(
      `SELECT least(width_bucket(p.confidence, 0, 1, ${CONFIDENCE_BINS}), ${CONFIDENCE_BINS}) AS bin,
              count(*) FILTER (WHERE p.label = p.digit)::int AS correct,
              count(*) FILTER (WHERE p.label <> p.digit)::int AS wrong,
              coalesce(sum(p.confidence) FILTER (WHERE p.label = p.digit), 0)::float8 AS correct_sum,
              coalesce(sum(p.confidence) FILTER (WHERE p.label <> p.digit), 0)::float8 AS wrong_sum
         FROM predictions p WHERE ${where} GROUP BY 1`,
      params,
    )) as Array<{ bin: number; correct: number; wrong: number; correct_sum: number; wrong_sum: number }>;
    const bins: ConfidenceBin[] = Array.from({ length: CONFIDENCE_BINS }, (_, i) => ({
      lo: i / CONFIDENCE_BINS,
      hi: (i + 1) / CONFIDENCE_BINS,
      correct: 0,
      wrong: 0,
    }));
    let correctSum = 0;
    let wrongSum = 0;
    for (const row of rows) {
      const bin = bins[row.bin - 1]!;
      bin.correct = row.correct;
      bin.wrong = row.wrong;
      correctSum += row.correct_sum;
      wrongSum += row.wrong_sum;
    }
    const correct = bins.reduce((sum, b) => sum + b.correct, 0);
    const wrong = bins.reduce((sum, b) => sum + b.wrong, 0);
    return { bins, meanWhenCorrect: ratio(correctSum, correct), meanWhenWrong: ratio(wrongSum, wrong) };
  }

  /** From the asked range, else from the first and last matching prediction (two index probes). */
  private async chooseBucket(
    query: PerformanceQuery,
    where: string,
    params: unknown[],
    run: (sql: string, values: unknown[]) => Promise<unknown>,
  ): Promise<TimeBucket> {
    if (query.from && query.to) return bucketFor(query.to.getTime() - query.from.getTime());
    const [span] = (await run(`SELECT min(p.created_at) AS first, max(p.created_at) AS last FROM predictions p WHERE ${where}`, params)) as Array<{
      first: Date | null;
      last: Date | null;
    }>;
    const first = query.from ?? span.first;
    const last = query.to ?? span.last;
    return first && last ? bucketFor(last.getTime() - first.getTime()) : 'day';
  }
}
