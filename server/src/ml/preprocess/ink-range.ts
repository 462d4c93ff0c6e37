/**
 * Finding the digit's extent along one axis while ignoring stray specks.
 *
 * Works on a 1-D ink profile (ink mass per column, or per row). Starting from
 * the median of the mass it grows outwards; a run of at least `gapBins`
 * empty bins ends the digit on that side when everything beyond it holds
 * less than `maxOutlierShare` of the total mass. So a speck far from the
 * digit is dropped, while a real part of the digit (the detached bar of a 5,
 * half of a 4) is kept because it carries more ink than a speck.
 */

/** Mass beyond a gap that is still treated as noise, as a share of the total. */
export const OUTLIER_MAX_SHARE = 0.1;
/** Smallest gap that separates noise from the digit, as a share of the digit's size. */
export const OUTLIER_GAP_SHARE = 0.15;

export interface BinRange {
  /** First bin, inclusive. */
  lo: number;
  /** Last bin, inclusive. */
  hi: number;
}

/**
 * The digit's bins in `profile`, or `null` when the profile holds no mass.
 * Bins holding at most `faint` mass count as empty when looking for gaps (a
 * photo's leftover grain must not bridge one), unless together they carry
 * more than a speck's share: faint bins at the digit's ends are cropped.
 */
export function inkRange(profile: ArrayLike<number>, gapBins: number, faint = 0, maxOutlierShare = OUTLIER_MAX_SHARE): BinRange | null {
  const n = profile.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += profile[i]!;
  if (!(total > 0)) return null;
  const limit = maxOutlierShare * total;
  const gap = Math.max(1, Math.ceil(gapBins));

  let start = 0;
  for (let acc = 0; start < n - 1; start++) {
    acc += profile[start]!;
    if (acc >= total / 2) break;
  }

  // Grows from the median bin in direction `step`: `edge` is the last bin
  // known to be part of the digit; a run of empty bins at least `gap` long
  // is crossed only when the mass beyond it is more than a speck's.
  const grow = (step: 1 | -1): number => {
    let beyond = 0;
    for (let i = start + step; i >= 0 && i < n; i += step) beyond += profile[i]!;
    let edge = start;
    for (let i = start + step; i >= 0 && i < n; i += step) {
      const v = profile[i]!;
      if (v > faint) {
        if (Math.abs(i - edge) - 1 >= gap && beyond < limit) return edge;
        edge = i;
      }
      beyond -= v;
    }
    // Only faint bins remain: they are grain unless they add up to more
    // (a thin stroke beside a long bold one, whose bins dwarf them).
    let tail = 0;
    for (let i = edge + step; i >= 0 && i < n; i += step) tail += profile[i]!;
    if (tail >= limit) {
      for (let i = step > 0 ? n - 1 : 0; i !== edge; i -= step) if (profile[i]! > 0) return i;
    }
    return edge;
  };
  let lo = grow(-1);
  let hi = grow(1);
  // The median bin itself may be empty (two equal halves apart).
  while (lo < hi && !(profile[lo]! > 0)) lo++;
  while (hi > lo && !(profile[hi]! > 0)) hi--;
  return { lo, hi };
}

/** The bin at which the cumulative mass first reaches `q` of the total (0 ≤ q ≤ 1). */
export function quantileBin(profile: ArrayLike<number>, q: number): number {
  let total = 0;
  for (let i = 0; i < profile.length; i++) total += profile[i]!;
  let acc = 0;
  for (let i = 0; i < profile.length; i++) {
    acc += profile[i]!;
    if (acc >= q * total) return i;
  }
  return profile.length - 1;
}
