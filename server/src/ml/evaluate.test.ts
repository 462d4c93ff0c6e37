import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracy, curves, downsample, evaluate, perClassSummary, rocAuc } from './evaluate.js';

const close = (a: number | null, b: number, eps = 1e-9): void => {
  assert.ok(a !== null && Math.abs(a - b) < eps, `expected ${a} ≈ ${b}`);
};

// Three classes, four samples:
//   #0 label 0, predicted 0 (0.7)
//   #1 label 1, predicted 0 (0.5)   <- error
//   #2 label 2, predicted 2 (0.8)
//   #3 label 1, predicted 1 (0.6)
const probs = new Float32Array([
  0.7, 0.2, 0.1,
  0.5, 0.4, 0.1,
  0.1, 0.1, 0.8,
  0.3, 0.6, 0.1,
]);
const labels = new Uint8Array([0, 1, 2, 1]);

test('computes accuracy, confusion matrix and its example indices', () => {
  const r = evaluate(probs, labels, { numClasses: 3 });
  assert.equal(r.count, 4);
  close(r.accuracy, 0.75);
  assert.deepEqual(r.confusion, [
    [1, 0, 0],
    [1, 1, 0],
    [0, 0, 1],
  ]);
  assert.deepEqual(r.confusionExamples[1][0], [1]);
  assert.deepEqual(r.confusionExamples[0][0], []);
  close(accuracy(probs, labels, 3), 0.75);
});

test('computes per-class precision, recall, F1 and support', () => {
  const r = evaluate(probs, labels, { numClasses: 3 });
  const [c0, c1, c2] = r.perClass;
  close(c0.precision, 0.5);
  close(c0.recall, 1);
  close(c0.f1, 2 / 3);
  close(c1.precision, 1);
  close(c1.recall, 0.5);
  assert.equal(c1.support, 2);
  close(c2.f1, 1);
  close(r.macro.recall, (1 + 0.5 + 1) / 3);
});

test('computes the mean cross-entropy of the true class', () => {
  const r = evaluate(probs, labels, { numClasses: 3 });
  close(r.meanLoss, -(Math.log(0.7) + Math.log(0.4) + Math.log(0.8) + Math.log(0.6)) / 4, 1e-6);
});

test('computes exact ROC AUC with ties counting one half', () => {
  // Positives 0.9 and 0.5; negatives 0.5 and 0.1: pairs (0.9>0.5) (0.9>0.1) (0.5=0.5 -> 1/2) (0.5>0.1) = 3.5 / 4.
  close(rocAuc([0.9, 0.5, 0.5, 0.1], [true, true, false, false]), 0.875);
  close(rocAuc([0.1, 0.2, 0.3], [false, false, true]), 1);
  close(rocAuc([0.3, 0.2, 0.1], [false, false, true]), 0);
  assert.equal(rocAuc([0.3, 0.2], [true, true]), null);
});

test('class 1 one-vs-rest ROC AUC and average precision match a hand computation', () => {
  const r = evaluate(probs, labels, { numClasses: 3 });
  // Class 1 scores: positives 0.4 (#1), 0.6 (#3); negatives 0.2 (#0), 0.1 (#2): perfectly separated.
  close(r.perClass[1].rocAuc, 1);
  close(r.perClass[1].averagePrecision, 1);
  // Class 0 scores: positive 0.7; negatives 0.5, 0.1, 0.3 -> AUC 1; AP 1.
  close(r.perClass[0].rocAuc, 1);
});

test('traces ROC and PR curves by descending threshold with average precision', () => {
  // Scores 0.9 (+), 0.8 (-), 0.7 (+), 0.1 (-).
  const { roc, pr, averagePrecision } = curves([0.9, 0.8, 0.7, 0.1], [true, false, true, false]);
  assert.deepEqual(
    roc.map((p) => [p.fpr, p.tpr]),
    [[0, 0], [0, 0.5], [0.5, 0.5], [0.5, 1], [1, 1]],
  );
  assert.deepEqual(pr.map((p) => [p.recall, p.precision]), [[0.5, 1], [0.5, 0.5], [1, 2 / 3], [1, 0.5]]);
  // AP = 0.5 * 1 + 0.5 * 2/3.
  close(averagePrecision, 0.5 + 1 / 3);
});

test('downsamples curves to at most the requested number of points, keeping both ends', () => {
  const points = Array.from({ length: 1000 }, (_, i) => i);
  const d = downsample(points, 101);
  assert.equal(d.length, 101);
  assert.equal(d[0], 0);
  assert.equal(d[100], 999);
  assert.deepEqual(downsample([1, 2], 101), [1, 2]);
  const r = evaluate(new Float32Array(Array.from({ length: 3000 }, (_, i) => ((i * 7919) % 997) / 997)), new Uint8Array(1000).map((_, i) => i % 3), { numClasses: 3 });
  assert.ok(r.perClass.every((c) => c.roc.length <= 101 && c.pr.length <= 101));
});

test('builds the reliability table and the expected calibration error', () => {
  const r = evaluate(probs, labels, { numClasses: 3 });
  const { bins, ece } = r.calibration;
  assert.equal(bins.length, 10);
  // Confidences 0.7 (right), 0.5 (wrong), 0.8 (right), 0.6 (right); float32 0.7 is just below 0.7, so it shares bin 6 with 0.6.
  assert.equal(bins.reduce((s, b) => s + b.count, 0), 4);
  assert.equal(bins[5].count, 1);
  assert.equal(bins[5].accuracy, 0);
  assert.equal(bins[0].meanConfidence, null);
  assert.equal(bins[6].count, 2);
  close(bins[6].meanConfidence, 0.65, 1e-6);
  // Bin 6: 2/4 * |1 - 0.65|; bin 5: 1/4 * |0 - 0.5|; bin 8: 1/4 * |1 - 0.8|.
  close(ece, (0.3 + 0.5 + 0.2 + 0.4) / 4, 1e-6);
});

test('summarises per-class accuracy and mean true-class confidence', () => {
  const s = perClassSummary(probs, labels, 3);
  close(s.accuracy, 0.75);
  assert.deepEqual(s.perClassAccuracy, [1, 0.5, 1]);
  close(s.perClassMeanConfidence[1], 0.5, 1e-6);
});

test('rejects probabilities whose size does not match the labels and out-of-range labels', () => {
  assert.throws(() => evaluate(new Float32Array(5), new Uint8Array(1)), /length 1 × 10 = 10/);
  assert.throws(() => evaluate(new Float32Array(10), new Uint8Array([12])), /integers from 0 to 9, got 12/);
});
