/** A curve with its own x values (ROC, precision-recall, a reference line). */
export interface Curve {
  readonly x: readonly number[];
  readonly y: readonly (number | null)[];
}

/**
 * Puts curves that each have their own x values on one shared, strictly
 * ascending x axis, as uPlot's aligned data needs; a curve has null where
 * another one has a point (draw with `spanGaps`). Repeated x values within a
 * curve (a ROC curve's vertical steps) are kept apart by nudging each repeat
 * 1e-9 to the right, so the steps stay vertical instead of collapsing.
 */
export function alignCurves(curves: readonly Curve[]): { x: number[]; ys: (number | null)[][] } {
  const rows = new Map<number, (number | null)[]>();
  curves.forEach((curve, c) => {
    const order = curve.x.map((_, i) => i).sort((a, b) => curve.x[a]! - curve.x[b]!);
    let previous = Number.NaN;
    let repeats = 0;
    for (const i of order) {
      const raw = curve.x[i]!;
      repeats = raw === previous ? repeats + 1 : 0;
      previous = raw;
      const x = raw + repeats * 1e-9;
      let row = rows.get(x);
      if (!row) {
        row = new Array<number | null>(curves.length).fill(null);
        rows.set(x, row);
      }
      row[c] = curve.y[i] ?? null;
    }
  });
  const x = [...rows.keys()].sort((a, b) => a - b);
  const ys = curves.map((_, c) => x.map((key) => rows.get(key)![c] ?? null));
  return { x, ys };
}
