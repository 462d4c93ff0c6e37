/**
 * Stroke width of images: measured, and when far outside MNIST's range,
 * corrected by growing or shrinking the ink at four times the final
 * resolution. A photo of a digit written with a fine pen on a large sheet
 * would otherwise shrink to faint grey threads, which the classifier never
 * saw; a marker scrawl to a blob.
 */
import { FIT_BOX } from './frame.js';
import type { InkMap } from './ink-map.js';
import { resampleBox, type PixelBox } from './resample.js';

/**
 * MNIST's 5th and 95th percentile of `strokeWidth` (2 · area / perimeter) at
 * 28 × 28, measured on the 10,000 test digits (median 2.40). Images whose
 * strokes would land outside are corrected to the nearest bound; the others
 * keep their own width, as MNIST's writers did.
 */
export const IMAGE_PEN_MIN = 1.7;
export const IMAGE_PEN_MAX = 3.7;
/** The correction works at this many times the final resolution. */
const SUPERSAMPLE = 4;
/** Thinning removes at most this share of a stroke's width, so thin joins survive. */
const MAX_THINNING = 0.5;

/**
 * Mean stroke width of the ink in `box`, in source pixels: twice the ink's
 * area over its perimeter, which for strokes long against their width is the
 * width. The perimeter is the total variation of the soft ink (coarea
 * formula), with forward differences so that a 1 px line counts both edges.
 */
export function strokeWidth({ ink, width }: InkMap, box: PixelBox): number {
  let area = 0;
  let perimeter = 0;
  // Each pixel against its right and lower neighbours; the ring just
  // outside the box (up and left) adds the edges facing out of it.
  for (let y = box.y0; y <= box.y1; y++) {
    const row = y * width;
    const last = y === box.y1;
    for (let x = box.x0, i = row + box.x0; x <= box.x1; x++, i++) {
      const v = ink[i]!;
      area += v;
      const dx = (x < box.x1 ? ink[i + 1]! : 0) - v;
      const dy = (last ? 0 : ink[i + width]!) - v;
      if (dx !== 0 || dy !== 0) perimeter += Math.sqrt(dx * dx + dy * dy);
    }
    perimeter += ink[row + box.x0]!; // from the pixel left of the box
  }
  for (let x = box.x0; x <= box.x1; x++) perimeter += ink[box.y0 * width + x]!; // from the row above
  return perimeter > 0 ? (2 * area) / perimeter : 0;
}

/**
 * When the strokes in `box`, fitted into the 20 px box, would be thinner than
 * `IMAGE_PEN_MIN` or thicker than `IMAGE_PEN_MAX`, returns a new ink map at
 * `SUPERSAMPLE` times the final scale with the strokes grown or shrunk to
 * that bound (and the box of its ink); otherwise `null`.
 */
export function normaliseThickness(map: InkMap, box: PixelBox): { map: InkMap; box: PixelBox } | null {
  const extent = Math.max(box.x1 - box.x0 + 1, box.y1 - box.y0 + 1);
  const width = strokeWidth(map, box);
  const natural = (width * FIT_BOX) / extent;
  if (!(width > 0) || (natural >= IMAGE_PEN_MIN && natural <= IMAGE_PEN_MAX)) return null;
  const target = natural < IMAGE_PEN_MIN ? IMAGE_PEN_MIN : IMAGE_PEN_MAX;
  // The centre lines keep their extent, `extent - width`; the final scale
  // fits them plus the new width into the box.
  const centreLine = Math.max(1, extent - width);
  const finalScale = (FIT_BOX - target) / centreLine;
  const scale = SUPERSAMPLE * finalScale;
  const pad = Math.ceil(Math.max(0, (target * SUPERSAMPLE) / 2)) + 1;
  const outWidth = Math.ceil((box.x1 - box.x0 + 1) * scale) + 2 * pad;
  const outHeight = Math.ceil((box.y1 - box.y0 + 1) * scale) + 2 * pad;
  const resampled = new Float32Array(outWidth * outHeight);
  resampleBox(map, box, { scale, left: pad, top: pad }, outWidth, outHeight, resampled);
  const ink = new Uint8Array(outWidth * outHeight);
  for (let i = 0; i < ink.length; i++) ink[i] = Math.round(resampled[i]! * 255);
  const out: InkMap = { ink, width: outWidth, height: outHeight };
  const inkBox = tightBox(out);
  if (!inkBox) return null;

  // Shrunk below a pixel, a fine stroke is only a grey thread: bring its
  // core back to full ink before growing it, and measure its width again
  // at this resolution, where growing happens.
  if (target === IMAGE_PEN_MIN) restoreFullInk(ink);
  const current = strokeWidth(out, inkBox);
  let radius = (target * SUPERSAMPLE - current) / 2; // intermediate px per side; < 0 thins
  radius = Math.max(radius, (-MAX_THINNING * current) / 2);
  out.ink = radius >= 0 ? dilate(ink, outWidth, outHeight, radius) : erode(ink, outWidth, outHeight, -radius);
  const finalBox = tightBox(out);
  return finalBox ? { map: out, box: finalBox } : null;
}

/**
 * Stretches `ink` (0–255, in place) so that its strong pixels (the 90th
 * percentile of those clearly inked) reach full ink again.
 */
function restoreFullInk(ink: Uint8Array): void {
  const histogram = new Uint32Array(256);
  for (let i = 0; i < ink.length; i++) histogram[ink[i]!]!++;
  let inked = 0;
  for (let v = 16; v < 256; v++) inked += histogram[v]!;
  let strong = 255;
  for (let v = 255, acc = 0; v >= 16; v--) {
    acc += histogram[v]!;
    if (acc >= 0.1 * inked) {
      strong = v;
      break;
    }
  }
  if (strong >= 240) return;
  const gain = 255 / strong;
  for (let i = 0; i < ink.length; i++) ink[i] = Math.min(255, Math.round(ink[i]! * gain));
}

/** Grey-level dilation by a disc of `radius` pixels: each pixel takes the maximum within the disc. */
export function dilate(ink: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return morph(ink, width, height, radius, Math.max);
}

/** Grey-level erosion by a disc of `radius` pixels: each pixel takes the minimum within the disc. */
export function erode(ink: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  return morph(ink, width, height, radius, Math.min);
}

/**
 * Disc filter in O(pixels × radius): horizontal running extremes for each
 * half-width the disc needs (each from the previous one), then per row of
 * the disc the extreme of the matching horizontal result. Outside the image
 * counts as background (0).
 */
function morph(ink: Uint8Array, width: number, height: number, radius: number, pick: (a: number, b: number) => number): Uint8Array {
  const r = Math.floor(radius);
  if (r < 1) return ink;
  const halfWidths = Array.from({ length: 2 * r + 1 }, (_, i) => Math.floor(Math.sqrt(radius * radius - (i - r) ** 2)));
  const horizontal: Uint8Array[] = [ink];
  for (let h = 1; h <= r; h++) {
    const prev = horizontal[h - 1]!;
    const next = new Uint8Array(ink.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0, i = y * width; x < width; x++, i++) {
        const left = x - h >= 0 ? ink[i - h]! : 0;
        const right = x + h < width ? ink[i + h]! : 0;
        next[i] = pick(prev[i]!, pick(left, right));
      }
    }
    horizontal.push(next);
  }
  const out = new Uint8Array(ink.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = y * width; x < width; x++, i++) {
      let v = horizontal[halfWidths[r]!]![i]!;
      for (let dy = -r; dy <= r; dy++) {
        const yy = y + dy;
        v = pick(v, yy < 0 || yy >= height ? 0 : horizontal[halfWidths[dy + r]!]![yy * width + x]!);
      }
      out[i] = v;
    }
  }
  return out;
}

/** Bounding box of the nonzero pixels, or `null` when there are none. */
function tightBox({ ink, width, height }: InkMap): PixelBox | null {
  const box = { x0: width, y0: height, x1: -1, y1: -1 };
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = y * width; x < width; x++, i++) {
      if (ink[i] === 0) continue;
      if (x < box.x0) box.x0 = x;
      if (x > box.x1) box.x1 = x;
      if (y < box.y0) box.y0 = y;
      if (y > box.y1) box.y1 = y;
    }
  }
  return box.x1 >= 0 ? box : null;
}
