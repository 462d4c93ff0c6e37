/** Formatting shared by the data pages; every number a person reads goes through here. */

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

/** 12,345 */
export function count(n: number): string {
  return integer.format(n);
}

/** 0.9312 → "93.1%"; null → "–". */
export function percent(value: number | null | undefined, digits = 1): string {
  return value == null || !Number.isFinite(value) ? '–' : `${(value * 100).toFixed(digits)}%`;
}

/** A figure with `digits` decimals; null → "–". */
export function fixed(value: number | null | undefined, digits = 3): string {
  return value == null || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

/** "28 Nov 2025, 09:12" in the visitor's time zone. */
export function when(iso: string): string {
  return dateTime.format(new Date(iso));
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 min ago", "yesterday"; `now` in ms since the epoch. */
export function ago(iso: string, now = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 45 * 60) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 22 * 3600) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 26 * 86400) return relative.format(Math.round(seconds / 86400), 'day');
  return when(iso);
}

/** 75 → "1 min 15 s"; 4000 → "1 h 6 min". */
export function duration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
