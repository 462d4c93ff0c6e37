/**
 * Classification metrics computed from predicted probabilities and true
 * labels: accuracy, per-class precision/recall/F1, the confusion matrix with
 * example indices, one-vs-rest ROC and precision-recall curves with exact
 * ROC AUC and average precision, and a reliability (calibration) table.
 *
 * Pure TypeScript over typed arrays: no tensors, so it runs anywhere and is
 * tested against hand-computed cases.
 */

/** One point of a one-vs-rest ROC curve. */
export interface RocPoint {
  /** False positive rate in [0, 1]. */
  fpr: number;
  /** True positive rate (recall) in [0, 1]. */
  tpr: number;
  /** Score at or above which a sample counts as positive (Infinity for the (0, 0) start). */
  threshold: number;
}

/** One point of a one-vs-rest precision-recall curve. */
export interface PrPoint {
  recall: number;
  precision: number;
  threshold: number;
}

export interface ClassMetrics {
  label: number;
  precision: number;
  recall: number;
  f1: number;
  /** Number of samples whose true label is this class. */
  support: number;
  /** Area under the one-vs-rest ROC curve, exact (Mann–Whitney with mid-ranks for ties); null without both positives and negatives. */
  rocAuc: number | null;
  /** Average precision, Σ (R_k − R_{k−1}) P_k over descending thresholds (scikit-learn's definition); null without positives. */
  averagePrecision: number | null;
  /** ROC curve from (0, 0) to (1, 1), downsampled. */
  roc: RocPoint[];
  /** Precision-recall curve by decreasing threshold, downsampled. */
  pr: PrPoint[];
}

export interface CalibrationBin {
  /** Lower edge of the confidence bin (inclusive). */
  lo: number;
  /** Upper edge (exclusive, except 1 for the last bin). */
  hi: number;
  count: number;
  /** Mean top-class probability of the samples in the bin; null when empty. */
  meanConfidence: number | null;
  /** Fraction of the bin's samples whose top class is right; null when empty. */
  accuracy: number | null;
}

export interface EvaluationReport {
  count: number;
  numClasses: number;
  accuracy: number;
  /** Mean cross-entropy −ln p(true class), probabilities clipped at 1e-7. */
  meanLoss: number;
  perClass: ClassMetrics[];
  macro: { precision: number; recall: number; f1: number };
  /** `confusion[actual][predicted]` counts. */
  confusion: number[][];
  /** `confusionExamples[actual][predicted]`: first sample indices of each off-diagonal cell, capped; empty on the diagonal. */
  confusionExamples: number[][][];
  calibration: { bins: CalibrationBin[]; /** Expected calibration error, Σ (n_b / n) |acc_b − conf_b|. */ ece: number };
}

export interface EvaluateOptions {
  /** @default 10 */
  numClasses?: number;
  /** Cap on example indices kept per off-diagonal confusion cell. @default 8 */
  maxExamplesPerCell?: number;
  /** Cap on points per ROC / PR curve. @default 101 */
  curvePoints?: number;
  /** Number of equal-width reliability bins over [0, 1]. @default 10 */
  calibrationBins?: number;
}

/** Index of the largest of `probs[offset .. offset + k)`; the first one on ties. */
export function argMax(probs: ArrayLike<number>, offset: number, k: number): number {
  let best = 0;
  let bestValue = probs[offset];
  for (let c = 1; c < k; c++) {
    if (probs[offset + c] > bestValue) {
      bestValue = probs[offset + c];
      best = c;
    }
  }
  return best;
}

/** Fraction of rows of `probs` (shape `[n, k]`) whose arg max equals the label. */
export function accuracy(probs: ArrayLike<number>, labels: ArrayLike<number>, numClasses = 10): number {
  const n = labels.length;
  let right = 0;
  for (let i = 0; i < n; i++) if (argMax(probs, i * numClasses, numClasses) === labels[i]) right++;
  return n === 0 ? 0 : right / n;
}

/** Keeps at most `max` items, evenly spaced, always including the first and last. */
export function downsample<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const out: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]);
  return out;
}

/**
 * Exact ROC AUC as the Mann–Whitney U statistic: the probability that a random
 * positive scores above a random negative, ties counting one half.
 *
 * @returns null when there are no positives or no negatives
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let nPos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    // Tied scores share the mean of the ranks they span (ranks are 1-based).
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (positive[order[k]]) {
        nPos++;
        rankSumPos += midRank;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * One-vs-rest ROC and precision-recall curves for one class: a point per
 * distinct score, thresholds descending.
 */
export function curves(
  scores: ArrayLike<number>,
  positive: ArrayLike<boolean>,
): { roc: RocPoint[]; pr: PrPoint[]; averagePrecision: number | null } {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) nPos++;
  const nNeg = n - nPos;
  const roc: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  const pr: PrPoint[] = [];
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < n; ) {
    const threshold = scores[order[i]];
    while (i < n && scores[order[i]] === threshold) {
      if (positive[order[i]]) tp++;
      else fp++;
      i++;
    }
    const recall = nPos === 0 ? 0 : tp / nPos;
    const precision = tp / (tp + fp);
    roc.push({ fpr: nNeg === 0 ? 0 : fp / nNeg, tpr: recall, threshold });
    pr.push({ recall, precision, threshold });
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
  }
  return { roc, pr, averagePrecision: nPos === 0 ? null : ap };
}

const safeDiv = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/**
 * Evaluates predicted class probabilities against true labels.
 *
 * @param probs shape `[n, numClasses]` flattened, rows summing to 1
 * @param labels shape `[n]`, integers in [0, numClasses)
 */
export function evaluate(probs: ArrayLike<number>, labels: ArrayLike<number>, options: EvaluateOptions = {}): EvaluationReport {
  const k = options.numClasses ?? 10;
  const maxExamples = options.maxExamplesPerCell ?? 8;
  const curvePoints = options.curvePoints ?? 101;
  const binCount = options.calibrationBins ?? 10;
  const n = labels.length;
  if (probs.length !== n * k) {
    throw new Error(`evaluate expects probs of length ${n} × ${k} = ${n * k} for ${n} labels, got ${probs.length}`);
  }
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= k) {
      throw new Error(`evaluate expects labels to be integers from 0 to ${k - 1}, got ${label} at index ${i}`);
    }
  }

  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const confusionExamples = Array.from({ length: k }, () => Array.from({ length: k }, () => [] as number[]));
  const binCounts = new Array<number>(binCount).fill(0);
  const binConfidence = new Array<number>(binCount).fill(0);
  const binCorrect = new Array<number>(binCount).fill(0);
  let right = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const actual = labels[i];
    const predicted = argMax(probs, i * k, k);
    confusion[actual][predicted]++;
    if (predicted === actual) right++;
    else if (confusionExamples[actual][predicted].length < maxExamples) confusionExamples[actual][predicted].push(i);
    loss -= Math.log(Math.max(probs[i * k + actual], 1e-7));
    const confidence = probs[i * k + predicted];
    const bin = Math.min(binCount - 1, Math.max(0, Math.floor(confidence * binCount)));
    binCounts[bin]++;
    binConfidence[bin] += confidence;
    if (predicted === actual) binCorrect[bin]++;
  }

  const perClass: ClassMetrics[] = [];
  const scores = new Float64Array(n);
  const positive = new Array<boolean>(n);
  for (let c = 0; c < k; c++) {
    let predictedAs = 0;
    for (let a = 0; a < k; a++) predictedAs += confusion[a][c];
    const support = confusion[c].reduce((s, v) => s + v, 0);
    const tp = confusion[c][c];
    const precision = safeDiv(tp, predictedAs);
    const recall = safeDiv(tp, support);
    for (let i = 0; i < n; i++) {
      scores[i] = probs[i * k + c];
      positive[i] = labels[i] === c;
    }
    const { roc, pr, averagePrecision } = curves(scores, positive);
    perClass.push({
      label: c,
      precision,
      recall,
      f1: safeDiv(2 * precision * recall, precision + recall),
      support,
      rocAuc: rocAuc(scores, positive),
      averagePrecision,
      roc: downsample(roc, curvePoints),
      pr: downsample(pr, curvePoints),
    });
  }

  const bins: CalibrationBin[] = binCounts.map((count, b) => ({
    lo: b / binCount,
    hi: (b + 1) / binCount,
    count,
    meanConfidence: count === 0 ? null : binConfidence[b] / count,
    accuracy: count === 0 ? null : binCorrect[b] / count,
  }));
  let ece = 0;
  for (const bin of bins) {
    if (bin.count > 0) ece += (bin.count / n) * Math.abs(bin.accuracy! - bin.meanConfidence!);
  }

  const mean = (f: (m: ClassMetrics) => number): number => perClass.reduce((s, m) => s + f(m), 0) / k;
  return {
    count: n,
    numClasses: k,
    accuracy: safeDiv(right, n),
    meanLoss: safeDiv(loss, n),
    perClass,
    macro: { precision: mean((m) => m.precision), recall: mean((m) => m.recall), f1: mean((m) => m.f1) },
    confusion,
    confusionExamples,
    calibration: { bins, ece },
  };
}

/**
 * Per-class accuracy (recall) and mean probability given to the true class,
 * the light-weight figures reported after each training epoch.
 *
 * @param probs shape `[n, numClasses]` flattened
 */
export function perClassSummary(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses = 10,
): { accuracy: number; perClassAccuracy: number[]; perClassMeanConfidence: number[] } {
  const right = new Array<number>(numClasses).fill(0);
  const confidence = new Array<number>(numClasses).fill(0);
  const support = new Array<number>(numClasses).fill(0);
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    support[label]++;
    confidence[label] += probs[i * numClasses + label];
    if (argMax(probs, i * numClasses, numClasses) === label) {
      right[label]++;
      total++;
    }
  }
  return {
    accuracy: safeDiv(total, labels.length),
    perClassAccuracy: right.map((r, c) => safeDiv(r, support[c])),
    perClassMeanConfidence: confidence.map((s, c) => safeDiv(s, support[c])),
  };
}
