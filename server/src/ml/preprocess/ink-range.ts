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
 * Bins holding at most `emptyShare` of the fullest bin's mass count as empty
 * (a photo's leftover grain; at the digit's ends, a sliver of anti-aliased
 * edge that is cropped).
 */
export function inkRange(profile: ArrayLike<number>, gapBins: number, emptyShare = 0, maxOutlierShare = OUTLIER_MAX_SHARE): BinRange | null {
  const n = profile.length;
  let total = 0;
  let fullest = 0;
  for (let i = 0; i < n; i++) {
    total += profile[i]!;
    if (profile[i]! > fullest) fullest = profile[i]!;
  }
  if (!(total > 0)) return null;
  const empty = emptyShare * fullest;
  const limit = maxOutlierShare * total;
  const gap = Math.max(1, Math.ceil(gapBins));

  let start = 0;
  for (let acc = 0; start < n - 1; start++) {
    acc += profile[start]!;
    if (acc >= total / 2) break;
  }

  // Growing right: `hi` is the last bin known to be part of the digit, and a
  // later run of empty bins longer than the gap is crossed only if the mass
  // beyond it is more than a speck's.
  let hi = start;
  let beyond = 0;
  for (let i = n - 1; i > start; i--) beyond += profile[i]!;
  for (let i = start + 1; i < n; i++) {
    const v = profile[i]!;
    if (v <= empty) {
      beyond -= v;
      continue;
    }
    if (i - hi - 1 >= gap && beyond < limit) break;
    hi = i;
    beyond -= v;
  }
  let lo = start;
  beyond = 0;
  for (let i = 0; i < start; i++) beyond += profile[i]!;
  for (let i = start - 1; i >= 0; i--) {
    const v = profile[i]!;
    if (v <= empty) {
      beyond -= v;
      continue;
    }
    if (lo - i - 1 >= gap && beyond < limit) break;
    lo = i;
    beyond -= v;
  }
  // The median bin itself may be empty (two equal halves apart).
  while (lo < hi && !(profile[lo]! > empty)) lo++;
  while (hi > lo && !(profile[hi]! > empty)) hi--;
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
