/**
 * Synthetic pen trajectories of digits, sent as `strokes` the way the web
 * app sends them (a 280 × 280 canvas, a pen 8–30 px wide). Two sources:
 *
 * - templates: a few hand-authored ways of writing each digit (open and
 *   closed 4, crossed 7, looped 2, one- or two-stroke 5 ...), in a unit box,
 *   jittered per sample by a smooth random warp, slant, rotation, aspect,
 *   size, position and pen speed, with hand tremor on every point;
 * - font skeletons: a handwriting font's glyph thinned to its centre lines
 *   and traced into strokes, so each font's writer also draws with a pen.
 */
import { Rng } from '../../server/src/ml/rng.js';
import type { GlyphMask } from './handwriting-page.js';

export interface Point {
  x: number;
  y: number;
}

/** What `classify` takes for strokes (minus the `{ points }` wrapping). */
export interface StrokeDrawing {
  strokes: Point[][];
  width: number;
  height: number;
  lineWidth: number;
}

/** The web app's canvas side, px. */
export const CANVAS_SIDE = 280;

type Stroke = Point[];

const p = (x: number, y: number): Point => ({ x, y });

/** Points along an ellipse from angle `from` to `to` (degrees; 0 = right, 90 = down, so decreasing runs anticlockwise on screen). */
function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number): Point[] {
  const n = Math.max(2, Math.ceil(Math.abs(to - from) / 10));
  return Array.from({ length: n + 1 }, (_, i) => {
    const a = ((from + ((to - from) * i) / n) * Math.PI) / 180;
    return p(cx + rx * Math.cos(a), cy + ry * Math.sin(a));
  });
}

/** Points along the cubic Bézier a → d with control points b, c. */
function cubic(a: Point, b: Point, c: Point, d: Point): Point[] {
  return Array.from({ length: 17 }, (_, i) => {
    const t = i / 16;
    const u = 1 - t;
    return p(
      u * u * u * a.x + 3 * u * u * t * b.x + 3 * u * t * t * c.x + t * t * t * d.x,
      u * u * u * a.y + 3 * u * u * t * b.y + 3 * u * t * t * c.y + t * t * t * d.y,
    );
  });
}

/** A figure eight in one stroke, from the upper right round both loops and back. */
function figureEight(): Point[] {
  return Array.from({ length: 73 }, (_, i) => {
    const t = Math.PI / 2 - 0.5 + (i / 72) * (2 * Math.PI + 0.6);
    return p(0.3 - 0.3 * Math.sin(2 * t), 0.5 - 0.5 * Math.sin(t));
  });
}

/**
 * Ways of writing each digit, in a box 0.6 wide and 1 tall (y down); each
 * style is a list of strokes in the order a person draws them.
 */
export const STROKE_TEMPLATES: Readonly<Record<number, Readonly<Record<string, Stroke[]>>>> = {
  0: {
    oval: [arc(0.3, 0.5, 0.28, 0.48, -90, -450)],
    overlapping: [arc(0.3, 0.5, 0.27, 0.48, -60, -440)],
    narrow: [arc(0.3, 0.5, 0.17, 0.48, -90, 270)],
    'open-top': [arc(0.3, 0.5, 0.28, 0.48, -70, -400)],
  },
  1: {
    bar: [[p(0.3, 0), p(0.3, 1)]],
    flag: [[p(0.1, 0.22), p(0.32, 0), p(0.32, 1)]],
    'flag-and-base': [[p(0.1, 0.22), p(0.32, 0), p(0.32, 1)], [p(0.1, 1), p(0.54, 1)]],
  },
  2: {
    curve: [[...arc(0.3, 0.28, 0.27, 0.26, -165, 10), ...cubic(p(0.57, 0.33), p(0.5, 0.6), p(0.2, 0.8), p(0.02, 1)), p(0.6, 0.98)]],
    loop: [[...arc(0.3, 0.28, 0.27, 0.26, -165, 10), ...cubic(p(0.57, 0.33), p(0.5, 0.6), p(0.2, 0.8), p(0.05, 0.93)), ...arc(0.12, 0.88, 0.08, 0.08, 130, -180), p(0.6, 0.95)]],
    angular: [[...arc(0.3, 0.22, 0.26, 0.2, -170, 0), p(0.03, 1), p(0.6, 1)]],
  },
  3: {
    round: [[...arc(0.28, 0.26, 0.26, 0.24, -150, 110), ...arc(0.28, 0.73, 0.29, 0.25, -110, 150)]],
    'flat-top': [[p(0.03, 0.02), p(0.55, 0.02), p(0.22, 0.4), ...arc(0.28, 0.68, 0.3, 0.3, -100, 150)]],
    pointed: [[p(0.03, 0.1), p(0.45, 0.02), p(0.55, 0.15), p(0.2, 0.47), p(0.55, 0.62), p(0.55, 0.85), p(0.3, 1), p(0, 0.9)]],
  },
  4: {
    open: [[p(0.38, 0), p(0.02, 0.66), p(0.6, 0.66)], [p(0.45, 0.3), p(0.45, 1)]],
    closed: [[p(0.45, 1), p(0.45, 0), p(0, 0.66), p(0.6, 0.66)]],
    square: [[p(0.05, 0), p(0.05, 0.55), p(0.6, 0.55)], [p(0.45, 0), p(0.45, 1)]],
  },
  5: {
    'two-stroke': [[p(0.12, 0), p(0.08, 0.45), ...arc(0.28, 0.68, 0.29, 0.3, -130, 150)], [p(0.12, 0), p(0.58, 0)]],
    'one-stroke': [[p(0.58, 0), p(0.12, 0), p(0.08, 0.45), ...arc(0.28, 0.68, 0.29, 0.3, -130, 150)]],
    'detached-bar': [[p(0.1, 0.05), p(0.07, 0.45), ...arc(0.28, 0.68, 0.29, 0.3, -130, 150)], [p(0.22, 0.02), p(0.6, 0)]],
  },
  6: {
    curl: [[...cubic(p(0.5, 0), p(0.15, 0.12), p(0, 0.5), p(0.04, 0.72)), ...arc(0.3, 0.74, 0.26, 0.25, 175, -170)]],
    straight: [[p(0.45, 0), p(0.08, 0.7), ...arc(0.3, 0.75, 0.24, 0.24, 160, -200)]],
    'small-loop': [[...cubic(p(0.55, 0), p(0.2, 0.1), p(0.02, 0.5), p(0.08, 0.85)), ...arc(0.27, 0.82, 0.19, 0.17, 150, -190)]],
  },
  7: {
    plain: [[p(0.02, 0.02), p(0.6, 0.02), p(0.2, 1)]],
    crossed: [[p(0.02, 0.02), p(0.6, 0.02), p(0.2, 1)], [p(0.14, 0.52), p(0.52, 0.5)]],
    hooked: [[p(0.02, 0.16), p(0.04, 0.02), p(0.6, 0.04), ...cubic(p(0.6, 0.04), p(0.45, 0.35), p(0.32, 0.7), p(0.3, 1))]],
  },
  8: {
    'one-stroke': [figureEight()],
    snowman: [arc(0.3, 0.24, 0.21, 0.24, -90, -450), arc(0.3, 0.73, 0.28, 0.27, -90, -450)],
  },
  9: {
    stick: [[...arc(0.3, 0.27, 0.27, 0.26, 0, -360), p(0.55, 1)]],
    curved: [[...arc(0.3, 0.27, 0.27, 0.26, 0, -360), ...cubic(p(0.57, 0.27), p(0.58, 0.7), p(0.45, 1), p(0.1, 0.95))]],
    'two-stroke': [arc(0.3, 0.27, 0.27, 0.26, -10, -370), [p(0.57, 0.05), p(0.57, 1)]],
  },
};

export interface JitterOptions {
  /** Largest displacement of the smooth warp, in units of the digit's height. @default 0.04 */
  warp?: number;
  /** Range of the added slant (x shift per unit of height, positive leans forwards). @default [-0.15, 0.35] */
  slant?: readonly [number, number];
}

/**
 * One jittered drawing of `strokes` (in a box about 1 tall, y down): warped,
 * slanted, rotated ±10°, stretched in x by 0.75–1.3, scaled to 35–85% of the
 * canvas height and placed anywhere on the 280 px canvas, resampled at a
 * varying pen speed, with tremor; pen width 8–30 px.
 */
export function jitterStrokes(strokes: readonly Stroke[], rng: Rng, options: JitterOptions = {}): StrokeDrawing {
  const warp = options.warp ?? 0.04;
  const [slantLo, slantHi] = options.slant ?? [-0.15, 0.35];
  // A smooth random warp: two sine waves per axis, about a stroke's bend.
  const waves = Array.from({ length: 4 }, () => ({
    fx: rng.uniform(1, 4),
    fy: rng.uniform(1, 4),
    phase: rng.uniform(0, 2 * Math.PI),
    amp: rng.uniform(0, warp),
  }));
  const warped = strokes.map((stroke) =>
    stroke.map(({ x, y }) => ({
      x: x + waves[0]!.amp * Math.sin(waves[0]!.fx * y * Math.PI + waves[0]!.phase) + waves[1]!.amp * Math.sin(waves[1]!.fy * x * Math.PI + waves[1]!.phase),
      y: y + waves[2]!.amp * Math.sin(waves[2]!.fx * x * Math.PI + waves[2]!.phase) + waves[3]!.amp * Math.sin(waves[3]!.fy * y * Math.PI + waves[3]!.phase),
    })),
  );
  const slant = rng.uniform(slantLo, slantHi);
  const aspect = rng.uniform(0.75, 1.3);
  const angle = (rng.uniform(-10, 10) * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const shaped = warped.map((stroke) =>
    stroke.map(({ x, y }) => {
      const sx = (x + slant * (1 - y)) * aspect;
      return p(sx * cos - y * sin, sx * sin + y * cos);
    }),
  );
  const box = bounds(shaped);
  const height = CANVAS_SIDE * rng.uniform(0.35, 0.85);
  const scale = Math.min(height / (box.y1 - box.y0), (CANVAS_SIDE * 0.9) / Math.max(1e-6, box.x1 - box.x0));
  const lineWidth = rng.uniform(8, 30);
  const w = (box.x1 - box.x0) * scale;
  const h = (box.y1 - box.y0) * scale;
  const margin = lineWidth / 2;
  const left = rng.uniform(margin, Math.max(margin, CANVAS_SIDE - margin - w));
  const top = rng.uniform(margin, Math.max(margin, CANVAS_SIDE - margin - h));
  const placed = shaped.map((stroke) => stroke.map(({ x, y }) => p(left + (x - box.x0) * scale, top + (y - box.y0) * scale)));
  // A pointer reports every few px, more often where the pen slows down.
  const step = rng.uniform(3, 10);
  const tremor = rng.uniform(0, 1.2);
  return {
    strokes: placed.map((stroke) => resample(stroke, step, rng).map(({ x, y }) => p(round(x + tremor * gauss(rng)), round(y + tremor * gauss(rng))))),
    width: CANVAS_SIDE,
    height: CANVAS_SIDE,
    lineWidth: round(lineWidth),
  };
}

/** Points every `step` px on average along `stroke`, the spacing varying smoothly as pen speed does. */
function resample(stroke: Stroke, step: number, rng: Rng): Stroke {
  if (stroke.length < 2) return stroke.slice();
  const out = [stroke[0]!];
  const phase = rng.uniform(0, 2 * Math.PI);
  let travelled = 0;
  let next = step;
  for (let i = 1; i < stroke.length; i++) {
    const a = stroke[i - 1]!;
    const b = stroke[i]!;
    const length = Math.hypot(b.x - a.x, b.y - a.y);
    while (travelled + length >= next) {
      const t = (next - travelled) / length;
      out.push(p(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)));
      next += step * (1 + 0.6 * Math.sin(next / (4 * step) + phase));
    }
    travelled += length;
  }
  const last = stroke[stroke.length - 1]!;
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

function bounds(strokes: readonly Stroke[]): { x0: number; y0: number; x1: number; y1: number } {
  const box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  for (const stroke of strokes) {
    for (const { x, y } of stroke) {
      box.x0 = Math.min(box.x0, x);
      box.x1 = Math.max(box.x1, x);
      box.y0 = Math.min(box.y0, y);
      box.y1 = Math.max(box.y1, y);
    }
  }
  return box;
}

/** Standard normal deviate (Box–Muller). */
function gauss(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** Points to 0.1 px, as a pointer event reports them (and to keep requests small). */
function round(v: number): number {
  return Math.round(v * 10) / 10;
}

// ---- Font skeletons ----

/**
 * The centre lines of a glyph as strokes, in mask pixels: the mask
 * (coverage ≥ 50%) thinned to one pixel (Zhang–Suen), short spurs pruned,
 * then traced into polylines, each as long as it goes before a junction
 * or an end.
 */
export function skeletonStrokes(mask: GlyphMask): Stroke[] {
  const { width, height } = mask;
  const on = new Uint8Array(width * height);
  for (let i = 0; i < on.length; i++) on[i] = mask.alpha[i]! >= 128 ? 1 : 0;
  thin(on, width, height);
  const box = bounds([Array.from(pixelsOf(on), (i) => p(i % width, Math.floor(i / width)))]);
  pruneSpurs(on, width, height, 0.08 * Math.max(box.x1 - box.x0, box.y1 - box.y0));
  return trace(on, width, height);
}

function* pixelsOf(on: Uint8Array): Generator<number> {
  for (let i = 0; i < on.length; i++) if (on[i]) yield i;
}

/** The 8 neighbours' offsets, clockwise from north (Zhang–Suen's P2…P9). */
const RING: ReadonlyArray<readonly [number, number]> = [
  [0, -1],
  [1, -1],
  [1, 0],
  [1, 1],
  [0, 1],
  [-1, 1],
  [-1, 0],
  [-1, -1],
];

/** Zhang–Suen thinning in place: a 1 px wide, 8-connected skeleton. */
function thin(on: Uint8Array, width: number, height: number): void {
  const at = (x: number, y: number) => (x >= 0 && y >= 0 && x < width && y < height ? on[y * width + x]! : 0);
  const remove: number[] = [];
  for (let changed = true; changed; ) {
    changed = false;
    for (const pass of [0, 1]) {
      remove.length = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (!on[y * width + x]) continue;
          const n = RING.map(([dx, dy]) => at(x + dx, y + dy));
          const count = n.reduce((a, b) => a + b, 0);
          if (count < 2 || count > 6) continue;
          let transitions = 0;
          for (let k = 0; k < 8; k++) if (!n[k] && n[(k + 1) % 8]) transitions++;
          if (transitions !== 1) continue;
          const [p2, , p4, , p6, , p8] = n;
          if (pass === 0 ? p2! * p4! * p6! || p4! * p6! * p8! : p2! * p4! * p8! || p2! * p6! * p8!) continue;
          remove.push(y * width + x);
        }
      }
      for (const i of remove) on[i] = 0;
      if (remove.length) changed = true;
    }
  }
}

/** Skeleton neighbours of pixel `i`, without diagonal steps that a shared orthogonal neighbour already joins. */
function neighbours(on: Uint8Array, width: number, height: number, i: number): number[] {
  const x = i % width;
  const y = Math.floor(i / width);
  const at = (dx: number, dy: number) => {
    const nx = x + dx;
    const ny = y + dy;
    return nx >= 0 && ny >= 0 && nx < width && ny < height && on[ny * width + nx] ? ny * width + nx : -1;
  };
  const out: number[] = [];
  for (const [dx, dy] of RING) {
    const j = at(dx, dy);
    if (j < 0) continue;
    if (dx !== 0 && dy !== 0 && (at(dx, 0) >= 0 || at(0, dy) >= 0)) continue;
    out.push(j);
  }
  return out;
}

/** Removes branches from an end to a junction shorter than `minLength` px (thinning's whiskers). */
function pruneSpurs(on: Uint8Array, width: number, height: number, minLength: number): void {
  for (let i = 0; i < on.length; i++) {
    if (!on[i] || neighbours(on, width, height, i).length !== 1) continue;
    const path = [i];
    let prev = -1;
    let current = i;
    for (;;) {
      const next = neighbours(on, width, height, current).filter((j) => j !== prev);
      if (next.length !== 1) break;
      if (neighbours(on, width, height, next[0]!).length > 2) break; // reached a junction
      prev = current;
      current = next[0]!;
      path.push(current);
      if (path.length > minLength) break;
    }
    const atJunction = neighbours(on, width, height, current).filter((j) => j !== prev).some((j) => neighbours(on, width, height, j).length > 2);
    if (path.length <= minLength && atJunction) for (const j of path) on[j] = 0;
  }
}

/** Walks the skeleton graph into polylines, ends first, then whatever loops are left. */
function trace(on: Uint8Array, width: number, height: number): Stroke[] {
  const used = new Set<number>();
  const edge = (a: number, b: number) => (a < b ? a * on.length + b : b * on.length + a);
  const strokes: Stroke[] = [];
  const walk = (start: number) => {
    for (;;) {
      let current = start;
      const points = [current];
      for (;;) {
        const next = neighbours(on, width, height, current).find((j) => !used.has(edge(current, j)));
        if (next === undefined) break;
        used.add(edge(current, next));
        points.push(next);
        current = next;
      }
      if (points.length < 2) return;
      strokes.push(points.map((i) => p(i % width, Math.floor(i / width))));
    }
  };
  const pixels = [...pixelsOf(on)];
  for (const i of pixels) if (neighbours(on, width, height, i).length === 1) walk(i);
  for (const i of pixels) walk(i);
  return strokes;
}

/**
 * A font skeleton drawn on the web app's canvas: placed, sized and given a
 * pen like {@link jitterStrokes}, with less warp and slant (the writer's own
 * shapes are the point).
 */
export function placeSkeleton(strokes: readonly Stroke[], rng: Rng): StrokeDrawing {
  const box = bounds(strokes);
  const unit = Math.max(1, box.y1 - box.y0);
  // Every third skeleton pixel is plenty: the pen's path stays within a pixel of it.
  const sparse = strokes.map((stroke) =>
    stroke.filter((_, i) => i % 3 === 0 || i === stroke.length - 1).map(({ x, y }) => p((x - box.x0) / unit, (y - box.y0) / unit)),
  );
  return jitterStrokes(sparse, rng, { warp: 0.02, slant: [-0.1, 0.1] });
}

/**
 * `stroke` as a pointer reports it: a sample every 0.3–1.5 px along the
 * path (a 1,000 Hz mouse, or a pen's coalesced events, at drawing speed),
 * each snapped to a device pixel of `grid` canvas pixels (0.7: a 280 px
 * canvas shown 400 CSS px wide) and rounded to 0.1 as the web app rounds.
 * Several hundred points per digit, as real pointers give.
 */
export function asPointerSamples(stroke: readonly Point[], rng: Rng, grid = 0.7): Point[] {
  const snap = (v: number) => Math.round(Math.round(v / grid) * grid * 10) / 10;
  const out: Point[] = [];
  for (let i = 0; i < stroke.length; i++) {
    const a = stroke[i]!;
    const b = stroke[i + 1];
    if (!b) {
      out.push({ x: snap(a.x), y: snap(a.y) });
      break;
    }
    const n = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / rng.uniform(0.3, 1.5)));
    for (let k = 0; k < n; k++) out.push({ x: snap(a.x + ((b.x - a.x) * k) / n), y: snap(a.y + ((b.y - a.y) * k) / n) });
  }
  return out;
}
