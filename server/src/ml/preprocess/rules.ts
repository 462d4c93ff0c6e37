/**
 * Ruled and squared paper: the printed lines of a notebook page or a form
 * run from edge to edge, fainter than the writing, and the ink map takes
 * them for faint ink. Left in, they stretch the digit's box to the whole
 * width of the page, so the digit shrinks to a few pixels between grey bars.
 * They are removed here, before the digit is boxed; the writing that
 * crosses them is darker than they are and stays whole.
 */
import type { InkMap } from './ink-map.js';

/** A printed line covers at least this share of the image's width (height, for vertical lines). */
const RULE_COVERAGE = 0.9;
/**
 * Ink levels (of 255) a printed line may have: any ink at all (the ink map
 * already zeroed the paper's grain), up to a level well short of the
 * writing's full ink (255 in the stroke cores). A bar of the digit itself
 * that spans the image (a 7 cropped to its ink) is full ink, and stays.
 */
const MIN_RULE_LEVEL = 1;
const MAX_RULE_LEVEL = 200;
/** Pixels up to this multiple of the line's median ink belong to the line, but never the writing's full ink. */
const RULE_MARGIN = 1.5;
const MAX_RULE_CEILING = 224;
/** A line that leaves the image (tilted, near an edge) must have this share of its length inside. */
const MIN_INSIDE = 0.5;
/** Rows (columns) either side that a line's pixels may wander to between the angles tried. */
const RULE_TOLERANCE = 1;
/** Lines are looked for up to this far off the axis, in degrees: a phone held a little askew. */
const MAX_TILT = 3;

/**
 * Clears the faint lines that cross the whole ink map, horizontally or
 * vertically, in place. A pixel is part of a line when, along a straight
 * line through it at most `MAX_TILT` off the axis, at least `RULE_COVERAGE`
 * of the pixels (each with its neighbours within `RULE_TOLERANCE` across)
 * hold ink at the line's level (that line's low quantile), and its own ink
 * is no stronger than that level allows; writing over the line is
 * stronger, and stays.
 * @returns how many line positions (1 px apart) were cleared along the rows and along the columns.
 */
export function removeRules(map: InkMap): { rows: number; columns: number } {
  // Both directions are found before either is cleared: clearing one cuts
  // gaps into the other where they cross (squared paper, a margin line).
  const rows = findLines(map, 'rows');
  const columns = findLines(map, 'columns');
  rows?.clear();
  columns?.clear();
  return { rows: rows?.lines ?? 0, columns: columns?.lines ?? 0 };
}

/** The lines along `along` in `map`, and how to clear them; `null` when there are none. */
function findLines({ ink, width, height }: InkMap, along: 'rows' | 'columns'): { lines: number; clear(): void } | null {
  // `length` pixels per line, `count` lines; pixel i of the line at offset j
  // lies at row (column) j + shift[i].
  const length = along === 'rows' ? width : height;
  const count = along === 'rows' ? height : width;
  const pixelStep = along === 'rows' ? 1 : width;
  const lineStep = along === 'rows' ? width : 1;
  if (length < 16) return null;
  // A line crosses nearly every row (column) of the image; a digit with
  // margins leaves many empty. This settles the common case in one pass.
  let crossed = 0;
  for (let i = 0; i < length; i++) {
    for (let j = 0, o = i * pixelStep; j < count; j++, o += lineStep) {
      if (ink[o]! >= MIN_RULE_LEVEL) {
        crossed++;
        break;
      }
    }
  }
  if (crossed < RULE_COVERAGE * length) return null;

  // Angles close enough that a line between two of them strays at most a
  // pixel from the nearer one at the image's ends.
  const step = Math.min((0.5 * Math.PI) / 180, 4 / length);
  const angles = [0];
  for (let a = step; a <= (MAX_TILT * Math.PI) / 180 + 1e-9; a += step) angles.push(a, -a);

  // Each pixel with the strongest ink within the tolerance across the line,
  // so a line that strays by a row from the angle tried still shows.
  const band = new Uint8Array(ink.length);
  for (let j = 0; j < count; j++) {
    for (let k = Math.max(0, j - RULE_TOLERANCE); k <= Math.min(count - 1, j + RULE_TOLERANCE); k++) {
      for (let i = 0, o = j * lineStep, p = k * lineStep; i < length; i++, o += pixelStep, p += pixelStep) if (ink[p]! > band[o]!) band[o] = ink[p]!;
    }
  }
  const shift = new Int32Array(length);
  const levels = new Uint8Array(count);
  const ceilings = new Uint8Array(count);
  const histogram = new Uint32Array(256);
  // Lines on a page are parallel: the angle along which most lines show is
  // theirs, and only it is cleared (a near angle would clear a line's middle
  // and leave its ends, which then no longer look like a line).
  let best = { angle: 0, lines: 0 };
  for (const angle of angles) {
    const lines = linesAt(angle);
    if (lines > best.lines) best = { angle, lines };
  }
  if (best.lines === 0) return null;
  linesAt(best.angle);
  const clear = (): void => {
    // The tolerance that found a line also bounds its anti-aliased edges.
    for (let j = 0; j < count; j++) {
      if (levels[j] === 0) continue;
      const ceiling = ceilings[j]!;
      for (let i = 0; i < length; i++) {
        const r = j + shift[i]!;
        for (let k = Math.max(0, r - RULE_TOLERANCE); k <= Math.min(count - 1, r + RULE_TOLERANCE); k++) {
          const o = k * lineStep + i * pixelStep;
          if (ink[o]! <= ceiling) ink[o] = 0;
        }
      }
    }
  };
  return { lines: best.lines, clear };

  /** Fills `shift`, `levels` and `ceilings` for lines at `angle`; returns how many offsets hold one. */
  function linesAt(angle: number): number {
    const slope = Math.tan(angle);
    for (let i = 0; i < length; i++) shift[i] = Math.round((i - (length - 1) / 2) * slope);
    const reach = Math.abs(shift[0]!);
    levels.fill(0);
    let found = 0;
    for (let j = 0; j < count; j++) {
      // A tilted line near an edge leaves the image: its part inside counts,
      // when that is most of it.
      let inside = length;
      if (j < reach || j >= count - reach) {
        inside = 0;
        for (let i = 0; i < length; i++) if (j + shift[i]! >= 0 && j + shift[i]! < count) inside++;
        if (inside < MIN_INSIDE * length) continue;
      }
      const rank = Math.floor((1 - RULE_COVERAGE) * inside);
      histogram.fill(0);
      let faint = 0;
      for (let i = 0; i < length; i++) {
        const r = j + shift[i]!;
        if (r < 0 || r >= count) continue;
        const v = band[r * lineStep + i * pixelStep]!;
        histogram[v]!++;
        if (v < MIN_RULE_LEVEL && ++faint > rank) break; // the common case: no line here
      }
      if (faint > rank) continue;
      // The line's level is the (1 − coverage) quantile of its ink; its
      // pixels reach well above that where it falls across a pixel row, or
      // JPEG rings, so everything up to 1.5 times its median is line.
      let level = 0;
      let median = 0;
      for (let v = 0, acc = 0; v < 256; v++) {
        acc += histogram[v]!;
        if (level === 0 && acc > rank) level = v;
        if (acc > inside / 2) {
          median = v;
          break;
        }
      }
      if (level <= MAX_RULE_LEVEL) {
        levels[j] = level;
        ceilings[j] = Math.min(MAX_RULE_CEILING, Math.round(RULE_MARGIN * median));
        found++;
      }
    }
    return found;
  }
}
