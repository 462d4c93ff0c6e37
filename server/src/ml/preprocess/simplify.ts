/**
 * Fewer points for the same ink. Pointer devices report 60 to 1,000 samples
 * a second (browsers hand all of them over as coalesced events), so one
 * digit can arrive as several hundred points, most of them within a
 * fraction of a canvas pixel of the line through their neighbours. Each one
 * still costs the server: graphql-js alone spends 2–3 µs coercing each point
 * of a `DrawingInput` before any of our code runs. Douglas–Peucker drops
 * the points that do not move the line by more than a tolerance.
 */
import type { Point } from './strokes.js';

/**
 * How far, in canvas pixels, a dropped point may lie from the simplified
 * line: half a pixel, below the device-pixel grid pointer positions are
 * snapped to. A digit of usual size on a 280-pixel canvas then moves by
 * about a twentieth of an MNIST pixel.
 */
export const SIMPLIFY_TOLERANCE = 0.5;

/**
 * The strokes with the points that do not change their path (within
 * `tolerance`) left out. Every stroke keeps its first and last point, so a
 * dot stays a dot.
 */
export function simplifyStrokes(strokes: readonly (readonly Point[])[], tolerance = SIMPLIFY_TOLERANCE): Point[][] {
  return strokes.map((stroke) => simplifyStroke(stroke, tolerance));
}

/** Douglas–Peucker with an explicit stack (a stroke may have thousands of points). */
function simplifyStroke(points: readonly Point[], tolerance: number): Point[] {
  const n = points.length;
  if (n <= 2) return [...points];
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  const squared = tolerance * tolerance;
  const spans: number[] = [0, n - 1];
  while (spans.length > 0) {
    const last = spans.pop()!;
    const first = spans.pop()!;
    let farthest = -1;
    let farthestDistance = squared;
    for (let i = first + 1; i < last; i++) {
      const distance = squaredDistanceToSegment(points[i]!, points[first]!, points[last]!);
      if (distance > farthestDistance) {
        farthest = i;
        farthestDistance = distance;
      }
    }
    if (farthest < 0) continue;
    keep[farthest] = 1;
    spans.push(first, farthest, farthest, last);
  }
  return points.filter((_, i) => keep[i] === 1);
}

/** Squared distance from `p` to the segment `a`–`b` (to `a` when the segment is a point). */
function squaredDistanceToSegment(p: Point, a: Point, b: Point): number {
  let x = a.x;
  let y = a.y;
  const dx = b.x - x;
  const dy = b.y - y;
  const length = dx * dx + dy * dy;
  if (length > 0) {
    const t = Math.min(1, Math.max(0, ((p.x - x) * dx + (p.y - y) * dy) / length));
    x += t * dx;
    y += t * dy;
  }
  return (p.x - x) ** 2 + (p.y - y) ** 2;
}
