/**
 * RGBA image → ink map: one byte per pixel, 255 where the ink is strongest
 * and 0 on the background, whatever the polarity, transparency, lighting or
 * noise of the original.
 *
 * Steps: composite alpha onto the background the drawing was meant for,
 * take luminance (box-downscaled when the image is large), decide whether the
 * ink is darker or lighter than the background, estimate the background
 * locally (blocks of the image, so a shadow across a photo of paper is
 * followed), and map the ink's contrast over it onto [0, 1] with a soft
 * threshold that zeroes the paper's grain and JPEG ringing.
 */
import { emptyDrawing } from './errors.js';

export interface InkMap {
  /** `width × height` row-major, 0 background … 255 full ink. */
  ink: Uint8Array;
  width: number;
  height: number;
}

type Rgba = Uint8Array | Uint8ClampedArray;

/**
 * Longest side the ink map keeps; larger images are box-averaged down by an
 * integer factor first. A digit that fills even a fifth of such an image is
 * still 200 px tall, ten times the 20 px it ends up as.
 */
export const WORK_MAX_SIDE = 1024;
/** Background blocks along the longer side: small enough to follow uneven light. */
const BLOCKS_PER_SIDE = 8;
const MIN_BLOCK = 8;
/** Width of the border ring that samples the background level, as a share of the shorter side. */
const BORDER_SHARE = 0.03;
/** Quantiles per block: the background level for light ink (20%) and dark ink (80%), and the quartiles for the grain. */
const BLOCK_QUANTILES = [0.2, 0.25, 0.75, 0.8];
/** Grain (standard deviation, levels of 255) from which the contrast is smoothed before thresholding. */
const NOISY_SIGMA = 2;
/** Images smaller than this (shorter side, px) are never smoothed: their strokes are only a few pixels wide. */
const SMOOTH_MIN_SIDE = 64;
/** Dark ink's contrast beyond this share of the grain threshold is corrected for shadows. */
const SHADOW_KNEE = 0.5;
/** Paper levels below this (of 255) are not divided by, however dark the shadow. */
const MIN_PAPER_LEVEL = 16;
/** Images above this many pixels have their statistics sampled on a 2 × 2 grid. */
const STATS_FULL_PIXELS = 65_536;
/**
 * Smallest contrast between ink and background that counts as a drawing, in
 * luminance levels (of 255): below it the image is one flat colour.
 */
export const MIN_INK_CONTRAST = 24;
/** Fewest clearly inked pixels that count as a drawing. */
const MIN_INK_PIXELS = 4;
/** Contrast below this (levels of 255) is never ink, however clean the image. */
const MIN_NOISE = 8;
/** Contrast at or below this share of the typical stroke's is background. */
const FAINT_INK = 0.05;
/** Contrast at or above this share of the typical stroke's is full ink. */
const FULL_INK = 0.9;
/**
 * The typical stroke is at least this share of the strongest ink's contrast
 * (the top `STRONGEST_SHARE` of the inked pixels): faint ink that outnumbers
 * the writing (the printed lines of ruled paper under a small digit) would
 * otherwise set the scale, and come out as full ink.
 */
const STRONGEST_RATIO = 0.5;
const STRONGEST_SHARE = 0.01;

/**
 * Builds the ink map of `rgba` (`width × height × 4` bytes, row-major RGBA).
 * The caller has validated the sizes.
 * @throws PreprocessError `EMPTY_DRAWING` when there is no ink to find.
 */
export function inkMapFromRgba(rgba: Rgba, width: number, height: number): InkMap {
  const background = compositeBackground(rgba, width * height);
  return inkFromLuminance(luminance(rgba, width, height, background));
}

/**
 * The luminance (0–255) to show through transparent pixels. A canvas
 * exported as PNG is often ink on a fully transparent background, and the
 * ink may be black (light theme) or white (dark theme): when most of the
 * image is transparent the opaque part is the ink, so it goes on the
 * opposite extreme. When transparency is the minority, the opaque part
 * holds the background, and its median level fills the holes.
 * `-1` means the image is opaque.
 */
function compositeBackground(rgba: Rgba, pixels: number): number {
  let opaque = true;
  for (let o = 3; o < 4 * pixels; o += 4) {
    if (rgba[o] !== 255) {
      opaque = false;
      break;
    }
  }
  if (opaque) return -1;
  let transparent = 0;
  let alphaSum = 0;
  let lumSum = 0;
  const opaqueHistogram = new Uint32Array(256);
  for (let o = 0; o < 4 * pixels; o += 4) {
    const a = rgba[o + 3]!;
    const luma = lumaAt(rgba, o);
    if (a < 128) transparent++;
    else opaqueHistogram[luma]!++;
    alphaSum += a;
    lumSum += a * luma;
  }
  if (alphaSum === 0) throw emptyDrawing('The image is fully transparent: draw a digit.');
  if (transparent * 2 > pixels) return lumSum / alphaSum > 127.5 ? 0 : 255;
  return percentile(opaqueHistogram, 0.5);
}

/** Rec. 601 luma of the RGB at byte `o`, 0–255. */
function lumaAt(rgba: Rgba, o: number): number {
  return (rgba[o]! * 77 + rgba[o + 1]! * 150 + rgba[o + 2]! * 29 + 128) >> 8;
}

interface Luminance {
  /** `width × height`, 0–255. */
  lum: Uint8Array;
  /** Its 256-bin histogram. */
  histogram: Uint32Array;
  width: number;
  height: number;
}

/** Luminance, alpha-composited onto `background` (unless -1), box-averaged by an integer factor to at most `WORK_MAX_SIDE`. */
function luminance(rgba: Rgba, width: number, height: number, background: number): Luminance {
  const factor = Math.ceil(Math.max(width, height) / WORK_MAX_SIDE);
  const w = Math.ceil(width / factor);
  const h = Math.ceil(height / factor);
  const lum = new Uint8Array(w * h);
  const histogram = new Uint32Array(256);
  if (factor === 1) {
    if (background < 0) {
      for (let i = 0, o = 0; i < lum.length; i++, o += 4) histogram[(lum[i] = lumaAt(rgba, o))]!++;
    } else {
      for (let i = 0, o = 0; i < lum.length; i++, o += 4) histogram[(lum[i] = composite(rgba, o, background))]!++;
    }
    return { lum, histogram, width: w, height: h };
  }
  const sums = new Float64Array(w);
  const counts = new Uint32Array(w);
  for (let row = 0; row < h; row++) {
    sums.fill(0);
    counts.fill(0);
    for (let y = row * factor; y < Math.min(height, (row + 1) * factor); y++) {
      for (let x = 0, o = 4 * y * width; x < width; x++, o += 4) {
        const col = (x / factor) | 0;
        sums[col]! += background < 0 ? lumaAt(rgba, o) : composite(rgba, o, background);
        counts[col]!++;
      }
    }
    for (let col = 0; col < w; col++) histogram[(lum[row * w + col] = Math.round(sums[col]! / counts[col]!))]!++;
  }
  return { lum, histogram, width: w, height: h };
}

function composite(rgba: Rgba, o: number, background: number): number {
  const a = rgba[o + 3]!;
  return Math.round((lumaAt(rgba, o) * a + background * (255 - a)) / 255);
}

/** The `q` quantile (0–1) of a 256-bin histogram. */
function percentile(histogram: Uint32Array, q: number): number {
  const out = new Float64Array(1);
  quantiles(histogram, 0, [q], out);
  return out[0]!;
}

/** Several increasing quantiles of the 256-bin histogram at `offset`, in one scan. */
function quantiles(histogram: Uint32Array, offset: number, qs: readonly number[], out: Float64Array): void {
  let total = 0;
  for (let i = 0; i < 256; i++) total += histogram[offset + i]!;
  let acc = 0;
  let k = 0;
  for (let i = 0; i < 256 && k < qs.length; i++) {
    acc += histogram[offset + i]!;
    while (k < qs.length && acc > 0 && acc >= qs[k]! * total) out[k++] = i;
  }
  while (k < qs.length) out[k++] = 255;
}

/** Polarity and background estimation, then the soft-thresholded ink. */
function inkFromLuminance({ lum, histogram: lumHistogram, width, height }: Luminance): InkMap {
  const border = borderLevels(lum, width, height);
  const blocks = grainAtMostBorder(blockStatistics(lum, width, height), border.spread);
  const { noise } = blocks;

  // Polarity: ink is the tail that stands out from the border level. Paper
  // shaded by uneven light spreads both ways around it; ink only one way.
  let darkMass = 0;
  let lightMass = 0;
  for (let v = 0; v < 256; v++) {
    const d = v - border.median;
    if (d > noise) lightMass += lumHistogram[v]! * (d - noise);
    else if (d < -noise) darkMass += lumHistogram[v]! * (-d - noise);
  }
  const darkInk = darkMass >= lightMass;

  // An evenly lit background (a canvas, a scan; its border varies no more
  // than its grain) is one level everywhere, which no stroke however bold
  // can disturb. Otherwise the background is followed block by block.
  const uniform = border.spread <= noise;
  // Grain in a photo sprinkles single pixels over the threshold; averaging
  // over 3 × 3 pixels divides white noise by 3 while strokes a few pixels
  // wide keep their contrast. Clean images and small ones stay sharp.
  const smooth = blocks.sigma >= NOISY_SIGMA && Math.min(width, height) >= SMOOTH_MIN_SIDE;
  const threshold = smooth ? Math.max(MIN_NOISE, noise / 2) : noise;

  if (uniform && !smooth) {
    // Contrast is then a function of luminance alone, and so is the ink:
    // one table, one pass, written over the luminance.
    const contrastOf = new Uint8Array(256);
    const histogram = new Uint32Array(256);
    for (let v = 0; v < 256; v++) {
      contrastOf[v] = Math.max(0, darkInk ? border.median - v : v - border.median);
      histogram[contrastOf[v]!]! += lumHistogram[v]!;
    }
    const toInk = softThreshold(histogram, threshold);
    for (let i = 0; i < lum.length; i++) lum[i] = toInk[contrastOf[lum[i]!]!]!;
    return { ink: lum, width, height };
  }

  const contrast = uniform ? contrastOverLevel(lum, border.median, darkInk) : contrastOverBlocks(lum, width, height, blocks, darkInk);
  if (smooth) boxBlur3(contrast, width, height);
  const histogram = new Uint32Array(256);
  for (let i = 0; i < contrast.length; i++) histogram[contrast[i]!]!++;
  const toInk = softThreshold(histogram, threshold);
  for (let i = 0; i < contrast.length; i++) contrast[i] = toInk[contrast[i]!]!;
  return { ink: contrast, width, height };
}

/**
 * The table from contrast (0–255) to ink (0–255), given the histogram of
 * the image's contrast and the grain `threshold`.
 *
 * The typical stroke's contrast is the 90th percentile of the clearly inked
 * pixels (the strokes' cores; their edges are anti-aliased), and at least
 * `STRONGEST_RATIO` of the strongest ink's. Contrast within
 * the grain becomes 0, a linear ramp keeps anti-aliased edges grey, and
 * pen-pressure wobble above `FULL_INK` of the typical stroke saturates, as
 * MNIST's stroke cores do.
 * @throws PreprocessError `EMPTY_DRAWING` when too few pixels stand out, or too little.
 */
function softThreshold(histogram: Uint32Array, threshold: number): Uint8Array {
  const floor = Math.ceil(threshold);
  let inked = 0;
  for (let c = floor + 1; c < 256; c++) inked += histogram[c]!;
  if (inked < MIN_INK_PIXELS) throw emptyDrawing('The image is blank: it holds no visible digit.');
  let strong = 0;
  let strongest = 0;
  for (let c = 255, acc = 0; c > floor; c--) {
    acc += histogram[c]!;
    if (strongest === 0 && acc >= STRONGEST_SHARE * inked) strongest = c;
    if (acc >= 0.1 * inked) {
      strong = c;
      break;
    }
  }
  strong = Math.max(strong || 255, STRONGEST_RATIO * strongest);
  if (strong < MIN_INK_CONTRAST) throw emptyDrawing('The image is blank: its contrast is too low to hold a digit.');
  const lo = Math.min(0.5, Math.max(FAINT_INK, threshold / strong));
  const lut = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    const r = (c / strong - lo) / (FULL_INK - lo);
    lut[c] = r <= 0 ? 0 : r >= 1 ? 255 : Math.round(r * 255);
  }
  return lut;
}

/**
 * Median and interquartile range of the image's border ring: the
 * background's level and how much it varies. Digits rarely cover the
 * border, while a bold stroke can cover every block of its neighbourhood.
 */
function borderLevels(lum: Uint8Array, width: number, height: number): { median: number; spread: number } {
  const ring = Math.max(1, Math.round(BORDER_SHARE * Math.min(width, height)));
  const histogram = new Uint32Array(256);
  for (let y = 0; y < height; y++) {
    const inside = y >= ring && y < height - ring;
    for (let x = 0; x < width; x++) {
      if (inside && x === ring && width - ring > ring) x = width - ring;
      histogram[lum[y * width + x]!]!++;
    }
  }
  const q = new Float64Array(3);
  quantiles(histogram, 0, [0.25, 0.5, 0.75], q);
  return { median: q[1]!, spread: q[2]! - q[0]! };
}

interface BlockStatistics {
  blockSide: number;
  /** Blocks per row and per column. */
  bw: number;
  bh: number;
  /** Per block, the 20% and 80% luminance quantiles. */
  low: Float32Array;
  high: Float32Array;
  /** The background grain as a standard deviation, in levels. */
  sigma: number;
  /** Contrast within which a pixel is grain, not ink: 3 sigma, at least `MIN_NOISE`. */
  noise: number;
}

/**
 * Luminance quantiles per block of the image, and the grain. Statistics
 * need not see every pixel: large images are sampled on every other row and
 * column.
 */
function blockStatistics(lum: Uint8Array, width: number, height: number): BlockStatistics {
  const blockSide = Math.max(MIN_BLOCK, Math.ceil(Math.max(width, height) / BLOCKS_PER_SIDE));
  const bw = Math.ceil(width / blockSide);
  const bh = Math.ceil(height / blockSide);
  const blocks = bw * bh;
  const histograms = new Uint32Array(blocks * 256);
  const blockOfCol = new Uint16Array(width);
  for (let x = 0; x < width; x++) blockOfCol[x] = (x / blockSide) | 0;
  const step = width * height > STATS_FULL_PIXELS ? 2 : 1;
  for (let y = 0; y < height; y += step) {
    const rowBase = ((y / blockSide) | 0) * bw;
    for (let x = 0, i = y * width; x < width; x += step, i += step) {
      histograms[((rowBase + blockOfCol[x]!) << 8) + lum[i]!]!++;
    }
  }
  const low = new Float32Array(blocks);
  const high = new Float32Array(blocks);
  const spreads: number[] = [];
  const q = new Float64Array(4);
  for (let b = 0; b < blocks; b++) {
    quantiles(histograms, b * 256, BLOCK_QUANTILES, q);
    low[b] = q[0]!;
    high[b] = q[3]!;
    spreads.push(q[2]! - q[1]!);
  }
  // The typical block's interquartile range, as a standard deviation. Blocks
  // crossed by ink or a shadow's edge spread more, but they are the
  // minority, and the median ignores them.
  spreads.sort((a, b) => a - b);
  const sigma = spreads[spreads.length >> 1]! / 1.349;
  return { blockSide, bw, bh, low, high, sigma, noise: Math.max(MIN_NOISE, 3 * sigma) };
}

/**
 * Caps the grain at what the border ring shows. A digit that fills the
 * frame (a tight crop, a thumbnail, a bold digit on a small image) crosses
 * most blocks, so the typical block's spread measures the ink's edges, not
 * the grain, and the threshold above it would find no ink at all; the
 * border ring stays mostly paper even then. Uneven light only widens the
 * ring's spread, so the cap never lowers an honest estimate by much.
 */
function grainAtMostBorder(stats: BlockStatistics, borderSpread: number): BlockStatistics {
  const sigma = borderSpread / 1.349;
  return sigma < stats.sigma ? { ...stats, sigma, noise: Math.max(MIN_NOISE, 3 * sigma) } : stats;
}

/** Contrast of every pixel over one background level, on the ink's side only. */
function contrastOverLevel(lum: Uint8Array, level: number, darkInk: boolean): Uint8Array {
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.max(0, darkInk ? level - v : v - level);
  const contrast = new Uint8Array(lum.length);
  for (let i = 0; i < lum.length; i++) contrast[i] = lut[lum[i]!]!;
  return contrast;
}

/**
 * Contrast of every pixel over a background that varies across the image:
 * per block, the luminance quantile on the background's side (so a block may
 * be up to 80% ink), bilinearly interpolated between block centres. A block
 * a bold stroke covers entirely reads far darker (lighter) than its 3 × 3
 * neighbourhood's median and takes that median instead. Only far: a
 * lighting gradient also makes neighbours differ, by a block's worth of it,
 * and replacing those levels would turn shaded paper into faint ink.
 */
function contrastOverBlocks(lum: Uint8Array, width: number, height: number, stats: BlockStatistics, darkInk: boolean): Uint8Array {
  const { blockSide, bw, bh, noise } = stats;
  const level = darkInk ? stats.high : stats.low;
  const background = new Float32Array(bw * bh);
  const near: number[] = [];
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      near.length = 0;
      for (let ny = Math.max(0, by - 1); ny <= Math.min(bh - 1, by + 1); ny++) {
        for (let nx = Math.max(0, bx - 1); nx <= Math.min(bw - 1, bx + 1); nx++) near.push(level[ny * bw + nx]!);
      }
      near.sort((a, b) => a - b);
      const median = near[near.length >> 1]!;
      const own = level[by * bw + bx]!;
      const inkier = darkInk ? median - own : own - median;
      background[by * bw + bx] = inkier > 2 * stats.noise ? median : own;
    }
  }

  const contrast = new Uint8Array(width * height);
  const colNode = new Int32Array(width);
  const colFrac = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const t = Math.min(bw - 1, Math.max(0, (x + 0.5) / blockSide - 0.5));
    colNode[x] = bw > 1 ? Math.min(bw - 2, Math.floor(t)) : 0;
    colFrac[x] = bw > 1 ? t - colNode[x]! : 0;
  }
  const rowBackground = new Float32Array(bw + 1);
  // Light multiplies: under a shadow both paper and ink darken by the same
  // factor, so dark ink's contrast beyond half the grain threshold is scaled
  // by the typical paper level over the local one, or the ink would fade
  // wherever the paper is shaded (on shaded MNIST photos, 97.05% accuracy
  // unscaled, 98.10% scaled so). The grain below it is not scaled (shadows
  // would turn it into ink), nor is light ink on a dark ground (dividing by
  // a near-black level would blow its grain up).
  const sorted = Float32Array.from(background).sort();
  const typical = sorted[sorted.length >> 1]!;
  const knee = SHADOW_KNEE * noise;
  for (let y = 0; y < height; y++) {
    const t = Math.min(bh - 1, Math.max(0, (y + 0.5) / blockSide - 0.5));
    const r0 = bh > 1 ? Math.min(bh - 2, Math.floor(t)) : 0;
    const r1 = bh > 1 ? r0 + 1 : 0;
    const fy = bh > 1 ? t - r0 : 0;
    for (let bx = 0; bx < bw; bx++) rowBackground[bx] = background[r0 * bw + bx]! * (1 - fy) + background[r1 * bw + bx]! * fy;
    rowBackground[bw] = rowBackground[bw - 1]!;
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const c0 = colNode[x]!;
      const bg = rowBackground[c0]! + (rowBackground[c0 + 1]! - rowBackground[c0]!) * colFrac[x]!;
      let d = darkInk ? bg - lum[i]! : lum[i]! - bg;
      if (darkInk && d > knee) d = knee + ((d - knee) * typical) / Math.max(bg, MIN_PAPER_LEVEL);
      contrast[i] = d <= 0 ? 0 : d >= 255 ? 255 : (d + 0.5) | 0;
    }
  }
  return contrast;
}

/** 3 × 3 box average in place (edges average the pixels that exist). */
function boxBlur3(values: Uint8Array, width: number, height: number): void {
  const rows = new Uint16Array(values.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = y * width; x < width; x++, i++) {
      rows[i] = values[i]! + (x > 0 ? values[i - 1]! : 0) + (x < width - 1 ? values[i + 1]! : 0);
    }
  }
  for (let y = 0; y < height; y++) {
    const ny = 1 + (y > 0 ? 1 : 0) + (y < height - 1 ? 1 : 0);
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const nx = 1 + (x > 0 ? 1 : 0) + (x < width - 1 ? 1 : 0);
      const sum = rows[i]! + (y > 0 ? rows[i - width]! : 0) + (y < height - 1 ? rows[i + width]! : 0);
      values[i] = Math.round(sum / (nx * ny));
    }
  }
}
