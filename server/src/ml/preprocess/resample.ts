/**
 * Area-averaging resampling of a boxed region of an ink map: each output
 * pixel is the mean of the source over its footprint, the source taken as
 * constant over each pixel. It keeps the ink's mass, anti-aliases when
 * shrinking, and, unlike bilinear or wider filters, never spreads ink beyond
 * the box's scaled footprint (see `fitSpan`).
 */
import type { InkMap } from './ink-map.js';

/** A box of pixels, inclusive, in ink-map coordinates. */
export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Where the box lands: source pixel `x0` starts at output `left`, and each source pixel is `scale` output pixels wide. */
export interface Placement {
  scale: number;
  left: number;
  top: number;
}

/**
 * Resamples `box` of `map` into `out` (`outWidth × outHeight`, row-major,
 * values 0–1, overwritten) with the given placement (pixel-edge coordinates).
 */
export function resampleBox(map: InkMap, box: PixelBox, placement: Placement, outWidth: number, outHeight: number, out: Float32Array): void {
  const { ink, width } = map;
  const { scale, left, top } = placement;
  const wx = axisWeights(box.x0, box.x1, scale, left, outWidth);
  const wy = axisWeights(box.y0, box.y1, scale, top, outHeight);
  const rows = box.y1 - box.y0 + 1;
  const horizontal = new Float32Array(rows * outWidth);
  for (let y = box.y0; y <= box.y1; y++) {
    const src = y * width;
    const dst = (y - box.y0) * outWidth;
    for (let i = 0; i < outWidth; i++) {
      let sum = 0;
      for (let k = wx.start[i]!, w = i * wx.stride; k <= wx.end[i]!; k++, w++) sum += ink[src + k]! * wx.weights[w]!;
      horizontal[dst + i] = sum / 255;
    }
  }
  for (let j = 0; j < outHeight; j++) {
    const row = out.subarray(j * outWidth, (j + 1) * outWidth);
    row.fill(0);
    for (let k = wy.start[j]!, w = j * wy.stride; k <= wy.end[j]!; k++, w++) {
      const weight = wy.weights[w]!;
      if (weight === 0) continue;
      const src = (k - box.y0) * outWidth;
      for (let i = 0; i < outWidth; i++) row[i]! += horizontal[src + i]! * weight;
    }
    for (let i = 0; i < outWidth; i++) if (row[i]! > 1) row[i] = 1;
  }
}

/**
 * Per output pixel along one axis, the source pixels it overlaps and by how
 * much (in output pixels, so a fully covered output pixel's weights sum to
 * 1): `weights[i * stride + (k - start[i])]` for `k` in `start[i]..end[i]`.
 */
interface AxisWeights {
  start: Int32Array;
  end: Int32Array;
  weights: Float32Array;
  stride: number;
}

function axisWeights(first: number, last: number, scale: number, edge: number, size: number): AxisWeights {
  const stride = Math.ceil(1 / scale) + 2;
  const start = new Int32Array(size);
  const end = new Int32Array(size);
  const weights = new Float32Array(size * stride);
  for (let i = 0; i < size; i++) {
    // Output pixel i is [i, i + 1): in source coordinates [u0, u1).
    const u0 = first + (i - edge) / scale;
    const u1 = first + (i + 1 - edge) / scale;
    const k0 = Math.max(first, Math.floor(u0));
    const k1 = Math.min(last, Math.ceil(u1) - 1, k0 + stride - 1);
    start[i] = k0;
    end[i] = k1;
    for (let k = k0; k <= k1; k++) {
      const overlap = (Math.min(u1, k + 1) - Math.max(u0, k)) * scale;
      // Slivers from rounding would smear ink into one pixel too many.
      weights[i * stride + (k - k0)] = overlap > 1e-6 ? overlap : 0;
    }
  }
  return { start, end, weights, stride };
}
