import type uPlot from 'uplot';
import type { ChartColors } from './colors';

/** A colour of the theme, or the categorical colour of a digit. */
export type SeriesColor = 'accent' | 'danger' | 'success' | 'warning' | 'reference' | { readonly digit: number };

export interface ChartSeries {
  readonly label: string;
  /** One value per x value, null where the series has none. */
  readonly values: ReadonlyArray<number | null>;
  readonly color: SeriesColor;
  /** @default 'line' */
  readonly style?: 'line' | 'points' | 'line-points' | 'bars';
  readonly dashed?: boolean;
  /** Line width in CSS pixels. @default 2 */
  readonly width?: number;
  /** Tints the area under a line. */
  readonly area?: boolean;
  /** Starts hidden (the legend can show it). @default true */
  readonly show?: boolean;
}

export interface ChartAxis {
  readonly label?: string;
  /** Fixed end of the scale; the data decides when absent. */
  readonly min?: number;
  readonly max?: number;
  /** Formats ticks and legend values. */
  readonly format?: (value: number) => string;
}

export interface ChartSpec {
  readonly x: ChartAxis & {
    /** Ascending. Seconds since the epoch when `time` is set. */
    readonly values: readonly number[];
    readonly time?: boolean;
    /** Categories: only these x values get a tick (digits 0 to 9, say). */
    readonly ticks?: readonly number[];
  };
  readonly y: ChartAxis;
  readonly series: readonly ChartSeries[];
  /** uPlot's legend with the values under the cursor. @default true with two or more series */
  readonly legend?: boolean;
  /** Whether the legend shows the values under the cursor (pointless for curves with many x values). @default true */
  readonly legendValues?: boolean;
}

/** What forces a new uPlot instance when it changes (data alone only calls setData). */
export function specShape(spec: ChartSpec): string {
  return JSON.stringify({
    x: { ...spec.x, values: undefined, format: spec.x.format?.toString() },
    y: { ...spec.y, format: spec.y.format?.toString() },
    series: spec.series.map((s) => ({ ...s, values: undefined })),
    legend: spec.legend,
  });
}

/** The spec's data in uPlot's column layout: x first, then one array per series. */
export function specData(spec: ChartSpec): uPlot.AlignedData {
  return [spec.x.values as number[], ...spec.series.map((s) => s.values as (number | null)[])];
}

/** `color` at `alpha` opacity; accepts `#rrggbb`, `rgb(...)` and `rgba(...)`. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (hex) return `rgba(${parseInt(hex[1]!, 16)}, ${parseInt(hex[2]!, 16)}, ${parseInt(hex[3]!, 16)}, ${alpha})`;
  const rgb = /^rgba?\(([^,]+),([^,]+),([^,)]+)/.exec(color);
  if (rgb) return `rgba(${rgb[1]!.trim()}, ${rgb[2]!.trim()}, ${rgb[3]!.trim()}, ${alpha})`;
  return color;
}

function resolve(color: SeriesColor, colors: ChartColors): string {
  if (typeof color === 'object') return colors.digits[color.digit % colors.digits.length] ?? colors.accent;
  return colors[color];
}

const FONT = '12px "Inter Variable", ui-sans-serif, system-ui, sans-serif';
const LABEL_FONT = '600 12px "Inter Variable", ui-sans-serif, system-ui, sans-serif';

/** uPlot's scale range: fixed ends where the spec gives them, the data's (padded) elsewhere. */
function range(axis: ChartAxis, padded: boolean): uPlot.Scale.Range {
  return (_u, dataMin, dataMax) => {
    let lo = axis.min ?? dataMin;
    let hi = axis.max ?? dataMax;
    if (lo == null || hi == null || !Number.isFinite(lo) || !Number.isFinite(hi)) return [axis.min ?? 0, axis.max ?? 1];
    if (lo === hi) {
      const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
      if (axis.min === undefined) lo -= pad;
      if (axis.max === undefined) hi += pad;
    } else if (padded) {
      const pad = (hi - lo) * 0.06;
      if (axis.min === undefined) lo -= pad;
      if (axis.max === undefined) hi += pad;
    }
    return [lo, hi];
  };
}

/** Builds uPlot options from a spec, drawn in `colors`, `width` × `height` CSS pixels. */
export function specOptions(U: typeof uPlot, spec: ChartSpec, colors: ChartColors, width: number, height: number): uPlot.Options {
  const hasBars = spec.series.some((s) => s.style === 'bars');
  // Two bar series stand side by side, left and right of their x; one is centred on it.
  const barSeries = spec.series.filter((s) => s.style === 'bars');
  const barPaths = (s: ChartSeries) =>
    barSeries.length === 2
      ? U.paths.bars!({ size: [0.4, 28], radius: 0.18, align: barSeries.indexOf(s) === 0 ? -1 : 1 })
      : U.paths.bars!({ size: [0.66, 56], radius: 0.18 });
  const ticks = spec.x.ticks;
  const xFormat = spec.x.format;
  const yFormat = spec.y.format;
  const axis = (label: string | undefined): uPlot.Axis => ({
    stroke: colors.text,
    font: FONT,
    labelFont: LABEL_FONT,
    label,
    labelSize: label ? 22 : 0,
    grid: { stroke: colors.grid, width: 1 },
    ticks: { stroke: colors.axis, width: 1, size: 4 },
  });
  const xScale: uPlot.Scale = { time: spec.x.time ?? false };
  if (ticks?.length) {
    // Categories: half a slot of room on each side for the bars.
    const lo = Math.min(...ticks) - 0.5;
    const hi = Math.max(...ticks) + 0.5;
    xScale.range = () => [lo, hi];
  } else if (!spec.x.time) {
    xScale.range = range(spec.x, false);
  }
  return {
    width,
    height,
    legend: { show: spec.legend ?? spec.series.length > 1, live: spec.legendValues ?? true },
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    padding: [10, 22, 0, 2],
    scales: { x: xScale, y: { range: range(spec.y, !hasBars) } },
    axes: [
      {
        ...axis(spec.x.label),
        ...(ticks?.length ? { splits: () => [...ticks], grid: { show: false } } : {}),
        ...(xFormat ? { values: (_u: uPlot, splits: number[]) => splits.map(xFormat) } : {}),
      },
      {
        ...axis(spec.y.label),
        size: 48,
        ...(yFormat ? { values: (_u: uPlot, splits: number[]) => splits.map(yFormat) } : {}),
      },
    ],
    series: [
      {
        label: spec.x.label ?? (spec.x.time ? 'time' : 'x'),
        ...(xFormat ? { value: (_u: uPlot, v: number | null) => (v == null ? '–' : xFormat(v)) } : {}),
      },
      ...spec.series.map((s): uPlot.Series => {
        const color = resolve(s.color, colors);
        const style = s.style ?? 'line';
        const points = style === 'points' || style === 'line-points';
        return {
          label: s.label,
          show: s.show ?? true,
          stroke: color,
          width: style === 'bars' ? 1 : (s.width ?? 2),
          spanGaps: true,
          ...(s.dashed ? { dash: [6, 5] } : {}),
          ...(style === 'bars'
            ? {
                fill: withAlpha(color, 0.78),
                paths: barPaths(s),
                points: { show: false },
              }
            : {
                ...(s.area ? { fill: withAlpha(color, 0.12) } : {}),
                ...(style === 'points' ? { paths: () => null } : {}),
                points: { show: points, size: 6, width: 1.5, fill: colors.background, stroke: color },
              }),
          value: (_u, v) => (v == null ? '–' : yFormat ? yFormat(v) : String(Math.round(v * 1000) / 1000)),
        };
      }),
    ],
  };
}
