/**
 * Strokes → MNIST: the pen's path is rendered straight at the normalised
 * scale (no canvas-sized buffer), with an anti-aliased round pen whose width
 * is chosen to look like MNIST's strokes.
 */
import { badInput, describe, emptyDrawing } from './errors.js';
import { centreOfMass, COM_TARGET_EDGE, FIT_BOX, MNIST_PIXELS, MNIST_SIDE } from './frame.js';
import { inkRange, OUTLIER_GAP_SHARE, quantileBin } from './ink-range.js';
import { MAX_CANVAS_SIDE, MAX_POINTS, MAX_STROKES } from './limits.js';

/** A point in canvas pixels; `y` grows downwards. */
export interface Point {
  x: number;
  y: number;
}

export interface StrokeCanvas {
  /** Canvas width in canvas pixels, 0 < width ≤ `MAX_CANVAS_SIDE`. */
  width: number;
  /** Canvas height in canvas pixels, 0 < height ≤ `MAX_CANVAS_SIDE`. */
  height: number;
  /**
   * Pen width in canvas pixels. Only its ratio to the digit's size matters
   * (see `strokeThickness`).
   * @default undefined // MNIST's median stroke thickness
   */
  lineWidth?: number | null;
}

/**
 * MNIST's range of pen widths at 28 × 28, in output pixels. Calibrated by
 * thinning MNIST test digits to their centre lines, rendering those back
 * with this pen and picking, per digit, the width that restores its ink
 * mass: the 10th percentile is 1.6, the median 2.4, the 90th 3.6. The
 * median used is 2.2, which minimises the mean pixel difference to the
 * originals; the maximum is 3.2, which gives the same area-per-length as
 * MNIST's 90th percentile (the thinned skeleton is shorter than the stroke,
 * which inflates the per-digit widths).
 */
export const MNIST_PEN_MIN = 1.6;
export const MNIST_PEN_MEDIAN = 2.2;
export const MNIST_PEN_MAX = 3.2;
/**
 * Width of the pen's anti-aliased edge, in output pixels: coverage falls
 * linearly from 1 to 0 across it, centred on the pen's nominal edge. With 1
 * px, 43% of the inked pixels are at 0.9 or above, as in MNIST (43%); 1.5 px
 * gives 19%, 0.7 px 50%.
 */
export const PEN_EDGE = 1;

/** Coordinates beyond this are clamped before clipping so that arithmetic stays finite. */
const COORDINATE_CLAMP = 1e7;

/**
 * The pen width at 28 × 28 for a drawing whose centre-line bounding box has
 * longer side `skeletonSide` canvas pixels, drawn with `lineWidth`.
 *
 * A uniform scaling of the drawing into the 20 × 20 box would give
 * `lineWidth · 20 / (skeletonSide + lineWidth)`: that keeps the writer's
 * own thick-or-thin look, which is the variation MNIST itself has. It is
 * then clamped into MNIST's range, because a pen far outside it (a 1 px pen
 * on a big canvas, a tiny digit scribbled with a fat brush) would show the
 * classifier strokes it never saw; a "1" stays thin since only its height
 * sets the scale. Without a `lineWidth` we know nothing, so MNIST's median.
 */
export function strokeThickness(skeletonSide: number, lineWidth: number | undefined): number {
  if (lineWidth === undefined) return MNIST_PEN_MEDIAN;
  const natural = (lineWidth * FIT_BOX) / (skeletonSide + lineWidth);
  return Math.min(MNIST_PEN_MAX, Math.max(MNIST_PEN_MIN, natural));
}

/**
 * Turns strokes drawn on a canvas into an MNIST-formatted digit.
 *
 * @param strokes - each stroke is the pen's path in canvas pixels, `y`
 *   downwards; a one-point stroke is a dot. Parts outside the canvas are
 *   clipped away, as the person could not see them.
 * @returns `Float32Array(784)`: 28 × 28 row-major, ink 1 on background 0,
 *   the ink's longer side 20 px, its centre of mass at (14, 14) in
 *   pixel-index coordinates (see `frame.ts`).
 * @throws PreprocessError `BAD_USER_INPUT` for malformed input, `EMPTY_DRAWING`
 *   when nothing but a dot (or nothing) is inside the canvas.
 */
export function preprocessStrokes(strokes: readonly (readonly Point[])[], canvas: StrokeCanvas): Float32Array {
  const { width, height, lineWidth } = validateCanvas(canvas);
  const segments = collectSegments(strokes, width, height);
  if (segments.count === 0) throw emptyDrawing('The drawing is empty: draw a digit inside the canvas.');

  const penRadius = (lineWidth ?? Math.min(width, height) / 14) / 2;
  dropStraySegments(segments, penRadius);

  const box = skeletonBox(segments);
  const skeletonSide = Math.max(box.x1 - box.x0, box.y1 - box.y0);
  if (skeletonSide < Math.max(1, penRadius)) {
    throw emptyDrawing('The drawing is a single dot: draw a digit.');
  }

  const thickness = strokeThickness(skeletonSide, lineWidth);
  // The ink's nonzero extent is the centre line plus the pen and its soft edge.
  const scale = (FIT_BOX - thickness - PEN_EDGE) / skeletonSide;
  const pen = { radius: thickness / 2, edge: PEN_EDGE };
  let tx = MNIST_SIDE / 2 - ((box.x0 + box.x1) / 2) * scale;
  let ty = MNIST_SIDE / 2 - ((box.y0 + box.y1) / 2) * scale;

  // Point-sampled coverage of a span shorter than 20 px never touches more
  // than 20 pixels, so the centre of mass can be placed exactly: render,
  // measure, shift, render again (the second pass is usually within 0.02 px).
  const image = new Float32Array(MNIST_PIXELS);
  for (let pass = 0; pass < 3; pass++) {
    image.fill(0);
    renderSegments(segments, scale, tx, ty, pen, image);
    const com = centreOfMass(image);
    const dx = COM_TARGET_EDGE - com.x;
    const dy = COM_TARGET_EDGE - com.y;
    if (Math.abs(dx) < 0.02 && Math.abs(dy) < 0.02) break;
    tx += dx;
    ty += dy;
  }
  return image;
}

interface ValidCanvas {
  width: number;
  height: number;
  lineWidth: number | undefined;
}

function validateCanvas(canvas: unknown): ValidCanvas {
  if (typeof canvas !== 'object' || canvas === null) {
    throw badInput(`expects the canvas to be an object with \`width\` and \`height\`, got ${describe(canvas)}`);
  }
  const { width, height, lineWidth } = canvas as Record<string, unknown>;
  const side = (name: string, value: unknown): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_CANVAS_SIDE) {
      throw badInput(`expects \`${name}\` to be a number of canvas pixels above 0 and at most ${MAX_CANVAS_SIDE}, got ${describe(value)}`);
    }
    return value;
  };
  return {
    width: side('width', width),
    height: side('height', height),
    lineWidth: lineWidth === undefined || lineWidth === null ? undefined : side('lineWidth', lineWidth),
  };
}

/** Line segments (a dot is a segment of length 0), clipped to the canvas. */
interface Segments {
  /** `[ax, ay, bx, by]` per segment, in canvas pixels. */
  coords: Float64Array;
  /** 1 while a segment is part of the digit, 0 once dropped as a stray mark. */
  keep: Uint8Array;
  count: number;
}

function collectSegments(strokes: unknown, width: number, height: number): Segments {
  if (!Array.isArray(strokes)) throw badInput(`expects \`strokes\` to be an array of strokes, got ${describe(strokes)}`);
  if (strokes.length > MAX_STROKES) {
    throw badInput(`expects at most ${MAX_STROKES} strokes, got ${strokes.length}; send fewer strokes`);
  }
  let total = 0;
  for (let s = 0; s < strokes.length; s++) {
    const stroke: unknown = strokes[s];
    if (!Array.isArray(stroke)) {
      throw badInput(`expects \`strokes[${s}]\` to be an array of points, got ${describe(stroke)}`);
    }
    total += stroke.length;
  }
  if (total > MAX_POINTS) {
    throw badInput(`expects at most ${MAX_POINTS} points over all strokes, got ${total}; simplify the strokes`);
  }

  const coords = new Float64Array(4 * total);
  let count = 0;
  const clipped = new Float64Array(4);
  for (let s = 0; s < strokes.length; s++) {
    const stroke = strokes[s] as unknown[];
    let px = 0;
    let py = 0;
    for (let p = 0; p < stroke.length; p++) {
      const point = stroke[p];
      if (typeof point !== 'object' || point === null) {
        throw badInput(`expects \`strokes[${s}][${p}]\` to be a point {x, y}, got ${describe(point)}`);
      }
      const { x, y } = point as Record<string, unknown>;
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw badInput(`expects \`strokes[${s}][${p}].x\` to be a finite number, got ${describe(x)}`);
      }
      if (typeof y !== 'number' || !Number.isFinite(y)) {
        throw badInput(`expects \`strokes[${s}][${p}].y\` to be a finite number, got ${describe(y)}`);
      }
      const cx = Math.min(COORDINATE_CLAMP, Math.max(-COORDINATE_CLAMP, x));
      const cy = Math.min(COORDINATE_CLAMP, Math.max(-COORDINATE_CLAMP, y));
      // A one-point stroke is a dot; otherwise each point closes a segment.
      const isDot = stroke.length === 1;
      if ((isDot || p > 0) && clipSegment(isDot ? cx : px, isDot ? cy : py, cx, cy, width, height, clipped)) {
        coords.set(clipped, 4 * count);
        count++;
      }
      px = cx;
      py = cy;
    }
  }
  return { coords, keep: new Uint8Array(count).fill(1), count };
}

/** Liang–Barsky clipping of segment a→b to [0, width] × [0, height]; false when nothing is left. */
function clipSegment(ax: number, ay: number, bx: number, by: number, width: number, height: number, out: Float64Array): boolean {
  const dx = bx - ax;
  const dy = by - ay;
  const range = [0, 1];
  if (!clipEdge(-dx, ax, range) || !clipEdge(dx, width - ax, range) || !clipEdge(-dy, ay, range) || !clipEdge(dy, height - ay, range)) {
    return false;
  }
  out[0] = ax + range[0]! * dx;
  out[1] = ay + range[0]! * dy;
  out[2] = ax + range[1]! * dx;
  out[3] = ay + range[1]! * dy;
  return true;
}

/** One Liang–Barsky edge test: narrows `range` ([t0, t1]) to where `p·t ≤ q`; false when it empties. */
function clipEdge(p: number, q: number, range: number[]): boolean {
  if (p === 0) return q >= 0;
  const t = q / p;
  if (p < 0) {
    if (t > range[1]!) return false;
    if (t > range[0]!) range[0] = t;
  } else {
    if (t < range[0]!) return false;
    if (t < range[1]!) range[1] = t;
  }
  return true;
}

/** Bins per axis of the profiles used to find stray marks. */
const PROFILE_BINS = 256;

/**
 * Drops stray marks (a dot far from the digit, a slip of the pen) so that
 * they do not stretch the bounding box and shrink the digit: see
 * `inkRange`. Alternates between the axes because a speck beside the digit
 * only shows a gap along one of them.
 */
function dropStraySegments(segments: Segments, penRadius: number): void {
  const { coords, keep, count } = segments;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < count; i++) {
    const o = 4 * i;
    minX = Math.min(minX, coords[o]!, coords[o + 2]!);
    maxX = Math.max(maxX, coords[o]!, coords[o + 2]!);
    minY = Math.min(minY, coords[o + 1]!, coords[o + 3]!);
    maxY = Math.max(maxY, coords[o + 1]!, coords[o + 3]!);
  }
  const origin = [minX - penRadius, minY - penRadius];
  const bin = [
    Math.max((maxX + 2 * penRadius - minX) / PROFILE_BINS, 1e-6),
    Math.max((maxY + 2 * penRadius - minY) / PROFILE_BINS, 1e-6),
  ];

  // Per segment and axis, the bins its inked interval covers and its bin
  // of its midpoint; and its ink (length plus a pen's width for the caps).
  const first = [new Uint16Array(count), new Uint16Array(count)];
  const last = [new Uint16Array(count), new Uint16Array(count)];
  const middle = [new Uint16Array(count), new Uint16Array(count)];
  const ink = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const o = 4 * i;
    ink[i] = Math.hypot(coords[o + 2]! - coords[o]!, coords[o + 3]! - coords[o + 1]!) + 2 * penRadius;
    for (const axis of [0, 1] as const) {
      const a = coords[o + axis]!;
      const b = coords[o + 2 + axis]!;
      first[axis]![i] = binIndex(Math.min(a, b) - penRadius, origin[axis]!, bin[axis]!);
      last[axis]![i] = binIndex(Math.max(a, b) + penRadius, origin[axis]!, bin[axis]!);
      middle[axis]![i] = binIndex((a + b) / 2, origin[axis]!, bin[axis]!);
    }
  }

  // Each kept segment spreads its ink evenly over its bins (as differences,
  // summed up afterwards, so a segment costs the same however long).
  const profile = new Float64Array(PROFILE_BINS + 1);
  const fill = (axis: 0 | 1): Float64Array => {
    profile.fill(0);
    const lo = first[axis]!;
    const hi = last[axis]!;
    let total = 0;
    for (let i = 0; i < count; i++) {
      if (!keep[i]) continue;
      const share = ink[i]! / (hi[i]! - lo[i]! + 1);
      profile[lo[i]!]! += share;
      profile[hi[i]! + 1]! -= share;
      total += ink[i]!;
    }
    for (let k = 1; k < PROFILE_BINS; k++) profile[k]! += profile[k - 1]!;
    // Rounding in the running sum leaves dust where there is no ink.
    for (let k = 0; k < PROFILE_BINS; k++) if (profile[k]! < 1e-9 * total) profile[k] = 0;
    return profile.subarray(0, PROFILE_BINS);
  };
  const core = (axis: 0 | 1): number => {
    const p = fill(axis);
    return (quantileBin(p, 0.9) - quantileBin(p, 0.1) + 1) * bin[axis]!;
  };
  const size = Math.max(core(0), core(1));
  // Until a pass over both axes drops nothing (at most two passes).
  for (let pass = 0, dropped = true; pass < 2 && dropped; pass++) {
    dropped = false;
    for (const axis of [0, 1] as const) {
      const range = inkRange(fill(axis), Math.max(2, (OUTLIER_GAP_SHARE * size) / bin[axis]!));
      if (!range) return;
      const mid = middle[axis]!;
      for (let i = 0; i < count; i++) {
        if (keep[i] && (mid[i]! < range.lo || mid[i]! > range.hi)) {
          keep[i] = 0;
          dropped = true;
        }
      }
    }
  }
}

function binIndex(value: number, origin: number, bin: number): number {
  return Math.min(PROFILE_BINS - 1, Math.max(0, Math.floor((value - origin) / bin)));
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Bounding box of the kept segments' centre lines, in canvas pixels. */
function skeletonBox({ coords, keep, count }: Segments): Box {
  const box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  for (let i = 0; i < count; i++) {
    if (!keep[i]) continue;
    const o = 4 * i;
    box.x0 = Math.min(box.x0, coords[o]!, coords[o + 2]!);
    box.x1 = Math.max(box.x1, coords[o]!, coords[o + 2]!);
    box.y0 = Math.min(box.y0, coords[o + 1]!, coords[o + 3]!);
    box.y1 = Math.max(box.y1, coords[o + 1]!, coords[o + 3]!);
  }
  return box;
}

/**
 * Rasterises the kept segments into the 28 × 28 `image` with a round pen:
 * each pixel's coverage is `(radius + edge/2 - d) / edge`, clamped to [0, 1],
 * for `d` the distance from its centre to the nearest segment (output
 * pixels); overlapping strokes take the maximum, as ink does.
 */
function renderSegments(
  { coords, keep, count }: Segments,
  scale: number,
  tx: number,
  ty: number,
  pen: { radius: number; edge: number },
  image: Float32Array,
): void {
  const reach = pen.radius + pen.edge / 2;
  const reach2 = reach * reach;
  for (let i = 0; i < count; i++) {
    if (!keep[i]) continue;
    const o = 4 * i;
    const ax = coords[o]! * scale + tx;
    const ay = coords[o + 1]! * scale + ty;
    const bx = coords[o + 2]! * scale + tx;
    const by = coords[o + 3]! * scale + ty;
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const col0 = Math.max(0, Math.floor(Math.min(ax, bx) - reach));
    const col1 = Math.min(MNIST_SIDE - 1, Math.ceil(Math.max(ax, bx) + reach));
    const row0 = Math.max(0, Math.floor(Math.min(ay, by) - reach));
    const row1 = Math.min(MNIST_SIDE - 1, Math.ceil(Math.max(ay, by) + reach));
    for (let row = row0; row <= row1; row++) {
      const py = row + 0.5 - ay;
      for (let col = col0; col <= col1; col++) {
        const px = col + 0.5 - ax;
        const t = len2 > 0 ? Math.min(1, Math.max(0, (px * dx + py * dy) / len2)) : 0;
        const ex = px - t * dx;
        const ey = py - t * dy;
        const d2 = ex * ex + ey * ey;
        if (d2 >= reach2) continue;
        const coverage = Math.min(1, (reach - Math.sqrt(d2)) / pen.edge);
        const k = row * MNIST_SIDE + col;
        if (coverage > image[k]!) image[k] = coverage;
      }
    }
  }
}
