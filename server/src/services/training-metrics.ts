/**
 * The `metrics` a trained version stores (the model page's data), built from
 * the evaluation reports of `ml/evaluate.ts`, and read back defensively: the
 * JSON of a version may come from an older build or the imported default
 * model, so readers return null / empty rather than trust its shape.
 */
import type { EvaluationReport } from '../ml/evaluate.js';

export type EvaluationSplit = 'mnistTest' | 'userHoldout';

export interface StoredClassMetrics {
  digit: number;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  rocAuc: number | null;
  averagePrecision: number | null;
  /** One-vs-rest ROC from (0, 0) to (1, 1), downsampled; `threshold` null stands for +∞. */
  roc: Array<{ fpr: number; tpr: number; threshold: number | null }>;
  pr: Array<{ recall: number; precision: number; threshold: number }>;
}

export interface StoredConfusionCell {
  actual: number;
  predicted: number;
  count: number;
  /** MNIST test indices (mnistTest) or prediction ids (userHoldout) of a few of the cell's samples. */
  examples: Array<number | string>;
}

export interface StoredEvaluation {
  count: number;
  accuracy: number;
  meanLoss: number;
  macro: { precision: number; recall: number; f1: number };
  perClass: StoredClassMetrics[];
  /** `confusion[actual][predicted]` counts. */
  confusion: number[][];
  /** Off-diagonal cells that hold samples, with examples. */
  confusionCells: StoredConfusionCell[];
  calibration: {
    ece: number;
    bins: Array<{ lo: number; hi: number; count: number; meanConfidence: number | null; accuracy: number | null }>;
  };
}

/** One point of the training curve. */
export interface EpochMetrics {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  durationMs: number;
}

export interface StoredMetrics {
  testAccuracy: number;
  testLoss: number;
  testCount: number;
  /** Null when no labelled drawing fell in the holdout. */
  userHoldoutAccuracy: number | null;
  userHoldoutLoss: number | null;
  userHoldoutCount: number;
  evaluations: { mnistTest: StoredEvaluation; userHoldout: StoredEvaluation | null };
  trainingCurve: EpochMetrics[];
}

/**
 * Stores an evaluation report, naming each confusion example by `exampleId`
 * (an MNIST test index, or a prediction id for user drawings).
 */
export function storeEvaluation(report: EvaluationReport, exampleId: (index: number) => number | string): StoredEvaluation {
  const confusionCells: StoredConfusionCell[] = [];
  report.confusion.forEach((row, actual) =>
    row.forEach((count, predicted) => {
      if (actual !== predicted && count > 0) {
        confusionCells.push({ actual, predicted, count, examples: report.confusionExamples[actual][predicted].map(exampleId) });
      }
    }),
  );
  return {
    count: report.count,
    accuracy: report.accuracy,
    meanLoss: report.meanLoss,
    macro: report.macro,
    perClass: report.perClass.map((m) => ({
      digit: m.label,
      precision: m.precision,
      recall: m.recall,
      f1: m.f1,
      support: m.support,
      rocAuc: m.rocAuc,
      averagePrecision: m.averagePrecision,
      roc: m.roc.map((p) => ({ fpr: p.fpr, tpr: p.tpr, threshold: Number.isFinite(p.threshold) ? p.threshold : null })),
      pr: m.pr.map((p) => ({ recall: p.recall, precision: p.precision, threshold: p.threshold })),
    })),
    confusion: report.confusion,
    confusionCells,
    calibration: report.calibration,
  };
}

/** Assembles a version's metrics. */
export function buildMetrics(test: StoredEvaluation, holdout: StoredEvaluation | null, trainingCurve: EpochMetrics[]): StoredMetrics {
  return {
    testAccuracy: test.accuracy,
    testLoss: test.meanLoss,
    testCount: test.count,
    userHoldoutAccuracy: holdout && holdout.count > 0 ? holdout.accuracy : null,
    userHoldoutLoss: holdout && holdout.count > 0 ? holdout.meanLoss : null,
    userHoldoutCount: holdout?.count ?? 0,
    evaluations: { mnistTest: test, userHoldout: holdout && holdout.count > 0 ? holdout : null },
    trainingCurve,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** `metrics.userHoldoutAccuracy` if it is a fraction. */
export function readUserHoldoutAccuracy(metrics: unknown): number | null {
  const v = isRecord(metrics) ? metrics.userHoldoutAccuracy : undefined;
  return isNumber(v) && v >= 0 && v <= 1 ? v : null;
}

/** The stored evaluation on `split`, or null when the version has none in this format. */
export function readEvaluation(metrics: unknown, split: EvaluationSplit): StoredEvaluation | null {
  const evaluations = isRecord(metrics) ? metrics.evaluations : undefined;
  const e = isRecord(evaluations) ? evaluations[split] : undefined;
  if (!isRecord(e) || !Array.isArray(e.perClass) || !Array.isArray(e.confusion) || !isRecord(e.calibration)) return null;
  return e as unknown as StoredEvaluation;
}

/** The training curve, or [] when the version has none. */
export function readTrainingCurve(metrics: unknown): EpochMetrics[] {
  const curve = isRecord(metrics) ? metrics.trainingCurve : undefined;
  return Array.isArray(curve) ? curve.filter((p): p is EpochMetrics => isRecord(p) && isNumber(p.epoch) && isNumber(p.loss)) : [];
}

/** The promotion decision recorded when the version was created, or null. */
export function readPromotion(metrics: unknown): { promote: boolean; reason: string; comparedWith: string | null } | null {
  const p = isRecord(metrics) ? metrics.promotion : undefined;
  if (!isRecord(p) || typeof p.promote !== 'boolean' || typeof p.reason !== 'string') return null;
  return { promote: p.promote, reason: p.reason, comparedWith: typeof p.comparedWith === 'string' ? p.comparedWith : null };
}
