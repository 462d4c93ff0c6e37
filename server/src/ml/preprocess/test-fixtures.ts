/**
 * Test-only helpers for the preprocessing tests: drawings, an independent
 * full-resolution stroke rasteriser (to make images of the same drawings),
 * and measurements on 28 × 28 results. Pure TypeScript, like the module.
 */
import type { Point } from './strokes.js';

export type Strokes = Point[][];
export type Rgba = [number, number, number, number];

/** A polyline through `points` given as [x, y] pairs. */
const line = (...points: [number, number][]): Point[] => points.map(([x, y]) => ({ x, y }));

/** An ellipse traced with `n` points. */
export function ellipse(cx: number, cy: number, rx: number, ry: number, n = 120): Point[] {
  return Array.from({ length: n + 1 }, (_, i) => ({
    x: cx + rx * Math.cos((2 * Math.PI * i) / n),
    y: cy + ry * Math.sin((2 * Math.PI * i) / n),
  }));
}

/**
 * Digit-like drawings in a unit box ([0, 1]², y down), to be placed with
 * `placeStrokes`.
 */
export const SHAPES: Record<string, Strokes> = {
  zero: [ellipse(0.5, 0.5, 0.3, 0.45)],
  one: [line([0.5, 0.05], [0.5, 0.95])],
  seven: [line([0.15, 0.1], [0.85, 0.1], [0.4, 0.95])],
  four: [line([0.6, 0.05], [0.1, 0.65], [0.9, 0.65]), line([0.65, 0.3], [0.65, 0.95])],
  two: [
    [...ellipse(0.5, 0.3, 0.3, 0.22, 40).slice(21, 41), ...line([0.8, 0.3], [0.15, 0.95], [0.85, 0.95])],
  ],
  wide: [line([0.05, 0.4], [0.95, 0.4], [0.95, 0.6], [0.05, 0.6], [0.05, 0.4])],
};

/** Maps unit-box strokes onto a canvas: the unit box becomes `[x, x + size] × [y, y + size]`. */
export function placeStrokes(shape: Strokes, x: number, y: number, size: number): Strokes {
  return shape.map((stroke) => stroke.map((p) => ({ x: x + p.x * size, y: y + p.y * size })));
}

/** Total number of points. */
export const pointCount = (strokes: Strokes): number => strokes.reduce((n, s) => n + s.length, 0);

/**
 * Rasterises strokes at full canvas resolution into RGBA, with a round pen
 * of `lineWidth` and a 1 px anti-aliased edge, as a browser canvas would.
 */
export function rasterise(
  strokes: Strokes,
  width: number,
  height: number,
  lineWidth: number,
  ink: Rgba = [0, 0, 0, 255],
  paper: Rgba = [255, 255, 255, 255],
): Uint8Array {
  const coverage = new Float32Array(width * height);
  const r = lineWidth / 2;
  for (const stroke of strokes) {
    for (let i = 0; i < stroke.length; i++) {
      const a = stroke[Math.max(0, i - 1)]!;
      const b = stroke[i]!;
      const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x) - r - 1));
      const x1 = Math.min(width - 1, Math.ceil(Math.max(a.x, b.x) + r + 1));
      const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y) - r - 1));
      const y1 = Math.min(height - 1, Math.ceil(Math.max(a.y, b.y) + r + 1));
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const len2 = dx * dx + dy * dy;
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const px = x + 0.5 - a.x;
          const py = y + 0.5 - a.y;
          const t = len2 > 0 ? Math.min(1, Math.max(0, (px * dx + py * dy) / len2)) : 0;
          const d = Math.hypot(px - t * dx, py - t * dy);
          const c = Math.min(1, Math.max(0, r + 0.5 - d));
          if (c > coverage[y * width + x]!) coverage[y * width + x] = c;
        }
      }
    }
  }
  return paint(coverage, ink, paper);
}

/** RGBA from a coverage map: `paper` where 0, `ink` where 1, blended between. */
export function paint(coverage: ArrayLike<number>, ink: Rgba, paper: Rgba): Uint8Array {
  const rgba = new Uint8Array(coverage.length * 4);
  for (let i = 0; i < coverage.length; i++) {
    const c = coverage[i]!;
    for (let k = 0; k < 4; k++) rgba[4 * i + k] = Math.round(paper[k]! + (ink[k]! - paper[k]!) * c);
  }
  return rgba;
}

/** An MNIST digit (784 values, ink 1) upscaled `factor` times by pixel replication, as coverage. */
export function upscale(pixels: ArrayLike<number>, factor: number): Float32Array {
  const side = 28 * factor;
  const out = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) out[y * side + x] = pixels[Math.floor(y / factor) * 28 + Math.floor(x / factor)]!;
  }
  return out;
}

/** Columns and rows of a 28 × 28 image holding any ink. */
export function inkExtent(image: ArrayLike<number>): { width: number; height: number } {
  let x0 = 28;
  let x1 = -1;
  let y0 = 28;
  let y1 = -1;
  for (let i = 0; i < 784; i++) {
    if (!(image[i]! > 0)) continue;
    const x = i % 28;
    const y = Math.floor(i / 28);
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  return { width: Math.max(0, x1 - x0 + 1), height: Math.max(0, y1 - y0 + 1) };
}

/** Centre of mass in pixel-index coordinates (pixel (col, row) centred at (col, row)). */
export function centreOfMassIndex(image: ArrayLike<number>): { x: number; y: number } {
  let m = 0;
  let x = 0;
  let y = 0;
  for (let i = 0; i < 784; i++) {
    const v = image[i]!;
    m += v;
    x += v * (i % 28);
    y += v * Math.floor(i / 28);
  }
  return { x: x / m, y: y / m };
}

/** Stroke width as 2 · area / perimeter (see `strokeWidth` in thickness.ts), for a 28 × 28 image. */
export function widthOf(image: ArrayLike<number>): number {
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= 28 || y >= 28 ? 0 : image[y * 28 + x]!);
  let area = 0;
  let perimeter = 0;
  for (let y = -1; y < 28; y++) {
    for (let x = -1; x < 28; x++) {
      const v = at(x, y);
      area += v;
      perimeter += Math.hypot(at(x + 1, y) - v, at(x, y + 1) - v);
    }
  }
  return (2 * area) / perimeter;
}

export function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - b[i]!);
  return d / a.length;
}

/** ASCII picture of a 28 × 28 image, for assertion messages. */
export function picture(image: ArrayLike<number>): string {
  let s = '';
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = image[y * 28 + x]!;
      s += v > 0.75 ? '#' : v > 0.4 ? '+' : v > 0.05 ? '.' : ' ';
    }
    s += '\n';
  }
  return s;
}

/**
 * An MNIST digit's centre lines as strokes on a `28 · factor` canvas:
 * thresholded at 0.5, thinned (Zhang–Suen), and every link between
 * neighbouring skeleton pixels drawn as a two-point stroke.
 */
export function skeletonStrokes(pixels: ArrayLike<number>, factor: number): Strokes {
  const W = 28;
  const b = new Uint8Array(784);
  for (let i = 0; i < 784; i++) b[i] = pixels[i]! >= 0.5 ? 1 : 0;
  thin(b);
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= W || y >= W ? 0 : b[y * W + x]!);
  const p = (x: number, y: number): Point => ({ x: (x + 0.5) * factor, y: (y + 0.5) * factor });
  const strokes: Strokes = [];
  for (let y = 0; y < W; y++) {
    for (let x = 0; x < W; x++) {
      if (!at(x, y)) continue;
      let linked = false;
      for (const [dx, dy] of [[1, 0], [0, 1], [1, 1], [-1, 1]] as const) {
        if (!at(x + dx, y + dy)) continue;
        // A diagonal link is redundant where an L of straight links exists.
        if (dx !== 0 && dy !== 0 && (at(x + dx, y) || at(x, y + dy))) continue;
        strokes.push([p(x, y), p(x + dx, y + dy)]);
        linked = true;
      }
      if (!linked && !at(x - 1, y) && !at(x - 1, y - 1) && !at(x, y - 1) && !at(x + 1, y - 1)) strokes.push([p(x, y)]);
    }
  }
  return strokes;
}

/** Zhang–Suen thinning of a 28 × 28 binary image, in place. */
function thin(b: Uint8Array): void {
  const W = 28;
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= W || y >= W ? 0 : b[y * W + x]!);
  for (let changed = true; changed; ) {
    changed = false;
    for (const step of [0, 1]) {
      const remove: number[] = [];
      for (let y = 0; y < W; y++) {
        for (let x = 0; x < W; x++) {
          if (!at(x, y)) continue;
          const n = [at(x, y - 1), at(x + 1, y - 1), at(x + 1, y), at(x + 1, y + 1), at(x, y + 1), at(x - 1, y + 1), at(x - 1, y), at(x - 1, y - 1)];
          const count = n.reduce((a, c) => a + c, 0);
          if (count < 2 || count > 6) continue;
          let transitions = 0;
          for (let i = 0; i < 8; i++) if (!n[i] && n[(i + 1) % 8]) transitions++;
          if (transitions !== 1) continue;
          if (step === 0 ? n[0]! * n[2]! * n[4]! || n[2]! * n[4]! * n[6]! : n[0]! * n[2]! * n[6]! || n[0]! * n[4]! * n[6]!) continue;
          remove.push(y * W + x);
        }
      }
      for (const i of remove) b[i] = 0;
      if (remove.length) changed = true;
    }
  }
}
