/**
 * Images → MNIST: ink map (`ink-map.ts`) without the lines of ruled paper
 * (`rules.ts`), crop to the digit ignoring stray specks, stroke width
 * brought into MNIST's range when far off (`thickness.ts`), then an
 * area-averaging resample into the 28 × 28 frame with the sub-pixel shift
 * that centres the ink's mass.
 */
import { badInput, describe, emptyDrawing } from './errors.js';
import { centreOfMass, COM_TARGET_EDGE, FIT_BOX, fitSpan, MNIST_PIXELS, MNIST_SIDE } from './frame.js';
import { inkMapFromRgba, type InkMap } from './ink-map.js';
import { inkRange, OUTLIER_GAP_SHARE, quantileBin } from './ink-range.js';
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from './limits.js';
import { resampleBox, type PixelBox } from './resample.js';
import { removeRules } from './rules.js';
import { normaliseThickness } from './thickness.js';

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
  removeRules(map);
  const box = digitBox(map);
  if (!box) throw emptyDrawing('The image is blank: it holds no visible digit.');
  const extent = Math.max(box.x1 - box.x0 + 1, box.y1 - box.y0 + 1);
  if (extent < Math.max(MIN_DIGIT_PIXELS, MIN_DIGIT_SHARE * Math.max(map.width, map.height))) {
    throw emptyDrawing(`The image holds only a speck (${extent} px across): it needs a visible digit.`);
  }
  const corrected = normaliseThickness(map, box);
  return corrected ? placeInFrame(corrected.map, corrected.box) : placeInFrame(map, box);
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

/**
 * A digit's longer side must span at least `MIN_DIGIT_PIXELS` ink-map
 * pixels and `MIN_DIGIT_SHARE` of the image's longer side; less is a speck
 * or a dot (1% of a 4000 px phone photo is 40 px).
 */
const MIN_DIGIT_PIXELS = 4;
const MIN_DIGIT_SHARE = 0.01;

/**
 * Columns (rows) holding less ink than this many fully inked pixels count as
 * empty when looking for the gap around a speck: grain that survived the
 * threshold must not bridge it, while any stroke at least a pixel wide
 * crossing the column carries more.
 */
const FAINT_PIXELS = 0.5;

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
    const x = inkRange(columns, gap, FAINT_PIXELS * 255);
    const y = inkRange(rows, gap, FAINT_PIXELS * 255);
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
  resampleBox(map, box, { scale, left, top }, MNIST_SIDE, MNIST_SIDE, image);
  const com = centreOfMass(image);
  if (com.mass === 0) throw emptyDrawing('The image is blank: it holds no visible digit.');
  left = fitSpan(left + COM_TARGET_EDGE - com.x, boxWidth * scale);
  top = fitSpan(top + COM_TARGET_EDGE - com.y, boxHeight * scale);
  resampleBox(map, box, { scale, left, top }, MNIST_SIDE, MNIST_SIDE, image);
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

