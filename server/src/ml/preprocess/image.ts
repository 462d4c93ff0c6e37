/**
 * Images → MNIST: ink map (`ink-map.ts`), crop to the digit ignoring stray
 * specks, then one area-averaging resample into the 28 × 28 frame with the
 * sub-pixel shift that centres the ink's mass.
 */
import { badInput, describe, emptyDrawing } from './errors.js';
import { centreOfMass, COM_TARGET_EDGE, FIT_BOX, fitSpan, MNIST_PIXELS, MNIST_SIDE } from './frame.js';
import { inkMapFromRgba, type InkMap } from './ink-map.js';
import { inkRange, OUTLIER_GAP_SHARE, quantileBin } from './ink-range.js';
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from './limits.js';

/**
 * Turns a decoded image into an MNIST-formatted digit. Dark ink on light
 * paper and light ink on a dark screen both work, as do transparent
 * backgrounds and photos of paper under uneven light.
 *
 * @param rgba - `width × height × 4` bytes, row-major RGBA (what
 *   `decodeDataUrl` and a canvas's `ImageData` give).
 * @returns `Float32Array(784)`: 28 × 28 row-major, ink 1 on background 0,
 *   the ink's longer side 20 px, its centre of mass at (14, 14) in
 *   pixel-index coordinates (see `frame.ts`), within half a pixel.
 * @throws PreprocessError `BAD_USER_INPUT` for inconsistent sizes,
 *   `EMPTY_DRAWING` for a blank image.
 */
export function preprocessRgba(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Float32Array {
  validateImage(rgba, width, height);
  const map = inkMapFromRgba(rgba, width, height);
  const box = digitBox(map);
  if (!box) throw emptyDrawing('The image is blank: it holds no visible digit.');
  return placeInFrame(map, box);
}

function validateImage(rgba: unknown, width: unknown, height: unknown): void {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > MAX_IMAGE_SIDE) {
      throw badInput(`expects the image \`${name}\` to be a whole number of pixels from 1 to ${MAX_IMAGE_SIDE}, got ${describe(value)}`);
    }
  }
  const pixels = (width as number) * (height as number);
  if (pixels > MAX_IMAGE_PIXELS) {
    throw badInput(`expects an image of at most ${MAX_IMAGE_PIXELS} pixels, got ${width} × ${height}; scale it down`);
  }
  if (!(rgba instanceof Uint8Array || rgba instanceof Uint8ClampedArray)) {
    throw badInput(`expects the image to be RGBA bytes (a Uint8Array), got ${describe(rgba)}`);
  }
  if (rgba.length !== pixels * 4) {
    throw badInput(`expects ${pixels * 4} RGBA bytes for a ${width} × ${height} image, got ${rgba.length}`);
  }
}

/** The digit's pixels, inclusive, in ink-map coordinates. */
interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Bounding box of the ink without stray specks: alternately trims the
 * column and row profiles of the ink inside the current box (see
 * `inkRange`), since a speck beside the digit only shows a gap along one
 * axis.
 */
function digitBox({ ink, width, height }: InkMap): PixelBox | null {
  const box = { x0: 0, y0: 0, x1: width - 1, y1: height - 1 };
  const columns = new Float64Array(width);
  const rows = new Float64Array(height);
  const profiles = (): void => {
    columns.fill(0);
    rows.fill(0);
    for (let y = box.y0; y <= box.y1; y++) {
      let sum = 0;
      for (let x = box.x0, i = y * width + box.x0; x <= box.x1; x++, i++) {
        const v = ink[i]!;
        sum += v;
        columns[x]! += v;
      }
      rows[y] = sum;
    }
  };
  profiles();
  const size = Math.max(
    quantileBin(columns, 0.9) - quantileBin(columns, 0.1) + 1,
    quantileBin(rows, 0.9) - quantileBin(rows, 0.1) + 1,
  );
  const gap = Math.max(2, OUTLIER_GAP_SHARE * size);
  // Usually nothing is trimmed and one round suffices; a trim along one axis
  // changes the other axis's profile, so it is recomputed and trimmed again.
  for (let round = 0; round < 4; round++) {
    const x = inkRange(columns, gap);
    const y = inkRange(rows, gap);
    if (!x || !y) return null;
    const xTrimmed = x.lo > box.x0 && hasInk(columns, box.x0, x.lo) || x.hi < box.x1 && hasInk(columns, x.hi + 1, box.x1 + 1);
    const yTrimmed = y.lo > box.y0 && hasInk(rows, box.y0, y.lo) || y.hi < box.y1 && hasInk(rows, y.hi + 1, box.y1 + 1);
    box.x0 = x.lo;
    box.x1 = x.hi;
    box.y0 = y.lo;
    box.y1 = y.hi;
    if (!xTrimmed && !yTrimmed) break;
    profiles();
  }
  return box;
}

/** Whether `profile[from..to)` holds any mass. */
function hasInk(profile: Float64Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (profile[i]! > 0) return true;
  return false;
}

/**
 * Area-averages the boxed ink into the 28 × 28 frame: scaled so the box's
 * longer side spans `FIT_BOX` output pixels, shifted so the centre of mass
 * sits on `COM_TARGET_EDGE`. The shift is measured on the result and applied
 * again, because area averaging moves the centre of mass by a fraction of a
 * pixel; `fitSpan` then keeps the 20 px side on whole pixels.
 */
function placeInFrame(map: InkMap, box: PixelBox): Float32Array {
  const boxWidth = box.x1 - box.x0 + 1;
  const boxHeight = box.y1 - box.y0 + 1;
  const scale = FIT_BOX / Math.max(boxWidth, boxHeight);
  const source = sourceCentreOfMass(map, box);
  let left = COM_TARGET_EDGE - (source.x - box.x0) * scale;
  let top = COM_TARGET_EDGE - (source.y - box.y0) * scale;
  const image = new Float32Array(MNIST_PIXELS);
  left = fitSpan(left, boxWidth * scale);
  top = fitSpan(top, boxHeight * scale);
  resample(map, box, scale, left, top, image);
  const com = centreOfMass(image);
  if (com.mass === 0) throw emptyDrawing('The image is blank: it holds no visible digit.');
  left = fitSpan(left + COM_TARGET_EDGE - com.x, boxWidth * scale);
  top = fitSpan(top + COM_TARGET_EDGE - com.y, boxHeight * scale);
  resample(map, box, scale, left, top, image);
  return image;
}

function sourceCentreOfMass({ ink, width }: InkMap, box: PixelBox): { x: number; y: number } {
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) {
      const v = ink[y * width + x]!;
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  return { x: mx / mass, y: my / mass };
}

/**
 * Per output pixel along one axis, the source pixels it overlaps and by how
 * much (in output pixels, so a fully covered output pixel's weights sum to
 * 1). Source pixel `k` spans `[(k - first) * scale + edge, … + scale)`.
 */
interface AxisWeights {
  start: Int32Array;
  end: Int32Array;
  /** `weights[i * stride + (k - start[i])]`. */
  weights: Float32Array;
  stride: number;
}

function axisWeights(first: number, last: number, scale: number, edge: number): AxisWeights {
  const stride = Math.ceil(1 / scale) + 2;
  const start = new Int32Array(MNIST_SIDE);
  const end = new Int32Array(MNIST_SIDE);
  const weights = new Float32Array(MNIST_SIDE * stride);
  for (let i = 0; i < MNIST_SIDE; i++) {
    // Output pixel i is [i, i + 1): in source coordinates [u0, u1).
    const u0 = first + (i - edge) / scale;
    const u1 = first + (i + 1 - edge) / scale;
    const k0 = Math.max(first, Math.floor(u0));
    const k1 = Math.min(last, Math.ceil(u1) - 1, k0 + stride - 1);
    start[i] = k0;
    end[i] = k1;
    for (let k = k0; k <= k1; k++) {
      const overlap = (Math.min(u1, k + 1) - Math.max(u0, k)) * scale;
      // Slivers from rounding would smear ink into a 21st pixel.
      weights[i * stride + (k - k0)] = overlap > 1e-6 ? overlap : 0;
    }
  }
  return { start, end, weights, stride };
}

/** Separable area-averaging resample of the box into `image` (overwritten). */
function resample({ ink, width }: InkMap, box: PixelBox, scale: number, left: number, top: number, image: Float32Array): void {
  const wx = axisWeights(box.x0, box.x1, scale, left);
  const wy = axisWeights(box.y0, box.y1, scale, top);
  const rows = box.y1 - box.y0 + 1;
  const horizontal = new Float32Array(rows * MNIST_SIDE);
  for (let y = box.y0; y <= box.y1; y++) {
    const src = y * width;
    const dst = (y - box.y0) * MNIST_SIDE;
    for (let i = 0; i < MNIST_SIDE; i++) {
      let sum = 0;
      for (let k = wx.start[i]!, w = i * wx.stride; k <= wx.end[i]!; k++, w++) sum += ink[src + k]! * wx.weights[w]!;
      horizontal[dst + i] = sum / 255;
    }
  }
  for (let j = 0; j < MNIST_SIDE; j++) {
    for (let i = 0; i < MNIST_SIDE; i++) {
      let sum = 0;
      for (let k = wy.start[j]!, w = j * wy.stride; k <= wy.end[j]!; k++, w++) {
        sum += horizontal[(k - box.y0) * MNIST_SIDE + i]! * wy.weights[w]!;
      }
      image[j * MNIST_SIDE + i] = Math.min(1, sum);
    }
  }
}
