/**
 * Training-time augmentation of 28×28 digits, so the classifier generalises
 * from MNIST's writers to people drawing in the browser: the API fits every
 * drawing to MNIST geometry (20×20 box, centre of mass centred), but what is
 * left — slant, proportions, stroke width, small off-centre errors, wobbly
 * strokes — varies more than within MNIST.
 *
 * Pure TypeScript over `Float32Array` batches with a seeded {@link Rng}, run
 * per batch on the training thread: about 30 µs per image, a few percent of a
 * training step.
 */
import { IMAGE_SIZE, PIXELS } from './mnist.js';
import type { Rng } from './rng.js';

/** Ranges of the random transformations; each image draws its own values. */
export interface AugmentOptions {
  /** Largest shift along each axis, in pixels. @default 2 */
  maxShift?: number;
  /** Largest rotation either way, in degrees. @default 12 */
  maxRotation?: number;
  /** Range of the overall scale factor. @default [0.85, 1.15] */
  scale?: [number, number];
  /** Largest relative change of width against height (0.1 = ±10 %): writers' hands run narrower and wider than MNIST's. @default 0.3 */
  aspect?: number;
  /** Largest horizontal shear (x += shear · y). @default 0.2 */
  maxShear?: number;
  /** Largest displacement of the smooth elastic warp, in pixels; 0 for none. @default 1.5 */
  elastic?: number;
  /** Chance to thicken or thin the strokes. @default 0.5 */
  strokeProbability?: number;
  /** Chance to leave an image as it is, keeping the exact MNIST distribution in view. @default 0.1 */
  identityProbability?: number;
  /**
   * Chance that a 1 gets a flag (the up-stroke of a European 1), when the
   * labels are given: MNIST's American 1s are bare bars, and a model trained
   * on them alone reads a flagged 1 as a 7. @default 0.2
   */
  flagOnes?: number;
}

export const DEFAULT_AUGMENT_OPTIONS: Required<AugmentOptions> = {
  maxShift: 2,
  maxRotation: 12,
  scale: [0.85, 1.15],
  aspect: 0.3,
  maxShear: 0.2,
  elastic: 1.5,
  strokeProbability: 0.5,
  identityProbability: 0.1,
  flagOnes: 0.2,
};

const N = IMAGE_SIZE;
const CENTRE = (IMAGE_SIZE - 1) / 2;
/** Control points per side of the elastic displacement grid (a smooth, cheap stand-in for a Gaussian-blurred noise field). */
const GRID = 4;

/** Reusable per-call scratch, so a batch allocates nothing. */
class Scratch {
  readonly image = new Float32Array(PIXELS);
  readonly filtered = new Float32Array(PIXELS);
  readonly rowPass = new Float32Array(PIXELS);
  readonly gridX = new Float32Array(GRID * GRID);
  readonly gridY = new Float32Array(GRID * GRID);
  readonly flagged = new Float32Array(PIXELS);
  readonly flagWork = new Float32Array(PIXELS);
}
const scratch = new Scratch();

/**
 * Augments a batch of digits.
 *
 * @param images shape `[n, 28, 28]` flattened, ink 1, background 0; not modified
 * @param out receives the augmented batch, same shape; may be `images` itself
 * @param rng the seeded generator; the same seed gives the same batch
 * @param labels shape `[n]`, the digits (for label-aware changes: `flagOnes`); none are made without them
 * @returns `out`
 */
export function augmentBatch(
  images: Float32Array,
  out: Float32Array,
  rng: Rng,
  options: AugmentOptions = {},
  labels?: ArrayLike<number>,
): Float32Array {
  const o = { ...DEFAULT_AUGMENT_OPTIONS, ...options };
  if (images.length % PIXELS !== 0 || out.length < images.length) {
    throw new Error(`augmentBatch expects images of length n × ${PIXELS} and an output at least as long, got ${images.length} and ${out.length}`);
  }
  const n = images.length / PIXELS;
  for (let i = 0; i < n; i++) {
    const src = images.subarray(i * PIXELS, (i + 1) * PIXELS);
    const dst = out.subarray(i * PIXELS, (i + 1) * PIXELS);
    if (rng.next() < o.identityProbability) {
      if (dst !== src) dst.set(src);
      continue;
    }
    const flag = labels?.[i] === 1 && o.flagOnes > 0 && rng.next() < o.flagOnes && addFlag(src, scratch.flagged, rng);
    warp(flag ? scratch.flagged : src, scratch.image, rng, o);
    if (rng.next() < o.strokeProbability) {
      // Thicken up to a full 3×3 dilation, thin at most half an erosion: a full
      // erosion erases MNIST's 2-px strokes.
      const t = rng.uniform(-0.5, 1);
      strokeWidth(scratch.image, dst, t);
    } else {
      dst.set(scratch.image);
    }
  }
  return out;
}

/** Flags only 1s at least this tall, in pixels. */
const FLAG_MIN_HEIGHT = 10;
/** Strongly slanted 1s get no flag: a flag at their top is a 7's bar. */
const FLAG_MAX_SLANT = (20 * Math.PI) / 180;
/** The flag's length, as a share of the 1's height. */
const FLAG_LENGTH: [number, number] = [0.18, 0.4];
/**
 * The angle between the flag and the stem below it, in degrees: a flag
 * turned further out (towards horizontal) is a 7's bar, and a model taught
 * otherwise reads narrow 7s as 1s.
 */
const FLAG_ANGLE: [number, number] = [30, 50];

/**
 * Draws a European 1's flag into a copy of the 1 `src` (`[28, 28]`, ink 1):
 * a straight stroke as wide as the stem, from the stem's top down to the
 * left, then shifts the result by whole pixels so its centre of mass is
 * back at (14, 14), as MNIST placed its digits.
 * @returns false (and `dst` unspecified) when `src` is too short or too slanted to flag
 */
export function addFlag(src: Float32Array, dst: Float32Array, rng: Rng): boolean {
  const rows = new Float64Array(N);
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) rows[y]! += src[y * N + x]!;
  let top = 0;
  while (top < N - 1 && rows[top]! < 0.5) top++;
  let bottom = N - 1;
  while (bottom > 0 && rows[bottom]! < 0.5) bottom--;
  const height = bottom - top + 1;
  if (height < FLAG_MIN_HEIGHT) return false;
  const centroid = (y0: number, y1: number): [number, number] => {
    let m = 0;
    let mx = 0;
    let my = 0;
    for (let y = y0; y <= y1; y++) {
      for (let x = 0; x < N; x++) {
        const v = src[y * N + x]!;
        m += v;
        mx += v * (x + 0.5);
        my += v * (y + 0.5);
      }
    }
    return [mx / m, my / m];
  };
  // The stem's direction, from its top quarter to its bottom quarter.
  const quarter = Math.floor(height / 4);
  const [ax, ay] = centroid(top, top + quarter);
  const [bx, by] = centroid(bottom - quarter, bottom);
  const length = Math.hypot(bx - ax, by - ay);
  const ux = (bx - ax) / length;
  const uy = (by - ay) / length;
  if (Math.abs(ux) > Math.sin(FLAG_MAX_SLANT)) return false;
  const [tx] = centroid(top, top + 1);
  const ty = top + 0.5;
  const middle = Array.from(rows.subarray(top + quarter, bottom - quarter + 1)).sort((a, b) => a - b);
  const radius = Math.min(4, Math.max(1.5, middle[middle.length >> 1]!)) / 2;
  // The stem's downward direction turned clockwise on screen (towards the left) by the flag's angle.
  const flagLength = height * rng.uniform(FLAG_LENGTH[0], FLAG_LENGTH[1]);
  const angle = (rng.uniform(FLAG_ANGLE[0], FLAG_ANGLE[1]) * Math.PI) / 180;
  const fx = (ux * Math.cos(angle) - uy * Math.sin(angle)) * flagLength;
  const fy = (ux * Math.sin(angle) + uy * Math.cos(angle)) * flagLength;
  const flagged = scratch.flagWork;
  flagged.set(src);
  const len2 = fx * fx + fy * fy;
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const px = x + 0.5 - tx;
      const py = y + 0.5 - ty;
      const t = Math.min(1, Math.max(0, (px * fx + py * fy) / len2));
      const coverage = Math.min(1, Math.max(0, radius + 0.5 - Math.hypot(px - t * fx, py - t * fy)));
      if (coverage > flagged[y * N + x]!) flagged[y * N + x] = coverage;
    }
  }
  let m = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const v = flagged[y * N + x]!;
      m += v;
      mx += v * x;
      my += v * y;
    }
  }
  const sx = Math.round(N / 2 - mx / m);
  const sy = Math.round(N / 2 - my / m);
  dst.fill(0);
  for (let y = Math.max(0, sy); y < Math.min(N, N + sy); y++) {
    for (let x = Math.max(0, sx); x < Math.min(N, N + sx); x++) dst[y * N + x] = flagged[(y - sy) * N + (x - sx)]!;
  }
  return true;
}

/**
 * Random affine transform (about the image centre) plus a smooth elastic
 * displacement, by inverse mapping with bilinear sampling; outside is background.
 */
function warp(src: Float32Array, dst: Float32Array, rng: Rng, o: Required<AugmentOptions>): void {
  const angle = (rng.uniform(-o.maxRotation, o.maxRotation) * Math.PI) / 180;
  const s = rng.uniform(o.scale[0], o.scale[1]);
  const aspect = 1 + rng.uniform(-o.aspect, o.aspect);
  const sx = s * Math.sqrt(aspect);
  const sy = s / Math.sqrt(aspect);
  const shear = rng.uniform(-o.maxShear, o.maxShear);
  const tx = rng.uniform(-o.maxShift, o.maxShift);
  const ty = rng.uniform(-o.maxShift, o.maxShift);
  // Forward map A = R · Sh · S with Sh = [[1, shear], [0, 1]]; sampling needs A⁻¹.
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const a00 = cos * sx;
  const a01 = cos * shear * sy - sin * sy;
  const a10 = sin * sx;
  const a11 = sin * shear * sy + cos * sy;
  const det = a00 * a11 - a01 * a10;
  const i00 = a11 / det;
  const i01 = -a01 / det;
  const i10 = -a10 / det;
  const i11 = a00 / det;

  const elastic = o.elastic > 0;
  if (elastic) {
    for (let k = 0; k < GRID * GRID; k++) {
      scratch.gridX[k] = rng.uniform(-o.elastic, o.elastic);
      scratch.gridY[k] = rng.uniform(-o.elastic, o.elastic);
    }
  }
  const gridStep = (N - 1) / (GRID - 1);
  for (let y = 0; y < N; y++) {
    const dy = y - CENTRE - ty;
    const gy = y / gridStep;
    const gy0 = Math.min(GRID - 2, Math.floor(gy));
    const fy = gy - gy0;
    for (let x = 0; x < N; x++) {
      const dx = x - CENTRE - tx;
      let px = i00 * dx + i01 * dy + CENTRE;
      let py = i10 * dx + i11 * dy + CENTRE;
      if (elastic) {
        const gx = x / gridStep;
        const gx0 = Math.min(GRID - 2, Math.floor(gx));
        const fx = gx - gx0;
        const k = gy0 * GRID + gx0;
        const w00 = (1 - fx) * (1 - fy);
        const w01 = fx * (1 - fy);
        const w10 = (1 - fx) * fy;
        const w11 = fx * fy;
        px += w00 * scratch.gridX[k] + w01 * scratch.gridX[k + 1] + w10 * scratch.gridX[k + GRID] + w11 * scratch.gridX[k + GRID + 1];
        py += w00 * scratch.gridY[k] + w01 * scratch.gridY[k + 1] + w10 * scratch.gridY[k + GRID] + w11 * scratch.gridY[k + GRID + 1];
      }
      dst[y * N + x] = bilinear(src, px, py);
    }
  }
}

/** Bilinear sample of a 28×28 image at (x, y); pixels outside count as background. */
function bilinear(src: Float32Array, x: number, y: number): number {
  if (x <= -1 || y <= -1 || x >= N || y >= N) return 0;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number): number => (xx < 0 || yy < 0 || xx >= N || yy >= N ? 0 : src[yy * N + xx]);
  const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
  const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * Blends the image towards its 3×3 dilation (`t > 0`, thicker strokes) or
 * erosion (`t < 0`, thinner), by `|t|` in [0, 1].
 */
export function strokeWidth(src: Float32Array, dst: Float32Array, t: number): void {
  const grow = t > 0;
  const amount = Math.abs(t);
  const pick = grow ? Math.max : Math.min;
  const row = scratch.rowPass;
  const f = scratch.filtered;
  // Separable 3×3 max/min: rows, then columns; the border repeats the edge pixel.
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const i = y * N + x;
      row[i] = pick(src[i], src[x > 0 ? i - 1 : i], src[x < N - 1 ? i + 1 : i]);
    }
  }
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const i = y * N + x;
      f[i] = pick(row[i], row[y > 0 ? i - N : i], row[y < N - 1 ? i + N : i]);
    }
  }
  for (let i = 0; i < PIXELS; i++) dst[i] = src[i] + amount * (f[i] - src[i]);
}
