/** Colours a chart draws with, resolved to concrete CSS colours for canvas. */
export interface ChartColors {
  /** Axis labels and values. */
  readonly text: string;
  /** Grid lines. */
  readonly grid: string;
  /** Axis lines and ticks. */
  readonly axis: string;
  /** Behind the plot (bar outlines, point fills). */
  readonly background: string;
  readonly accent: string;
  readonly danger: string;
  readonly success: string;
  readonly warning: string;
  /** Reference lines (chance, perfect calibration). */
  readonly reference: string;
  /** Ten categorical colours, index = digit, chosen to stay apart in the current theme. */
  readonly digits: readonly string[];
}

/** Okabe–Ito-like hues, darker on light paper and lighter on dark. */
const DIGITS_LIGHT = ['#4f46e5', '#0891b2', '#16a34a', '#ca8a04', '#dc2626', '#9333ea', '#db2777', '#ea580c', '#0f766e', '#475569'];
const DIGITS_DARK = ['#8b85ff', '#22d3ee', '#4ade80', '#facc15', '#f87171', '#c084fc', '#f472b6', '#fb923c', '#2dd4bf', '#cbd5e1'];

const TOKENS = {
  text: '--text-muted',
  grid: '--border',
  axis: '--border-strong',
  background: '--bg-raised',
  accent: '--accent',
  danger: '--danger',
  success: '--success',
  warning: '--warning',
  reference: '--text-faint',
} as const;

/**
 * Reads the app's design tokens as canvas colours. The tokens are
 * `light-dark(...)` pairs, which only a colour property resolves, so each is
 * read through a probe element inside `host` (same colour scheme).
 */
export function readChartColors(host: HTMLElement, dark: boolean): ChartColors {
  const probe = document.createElement('span');
  probe.style.display = 'none';
  host.append(probe);
  const read = (token: string) => {
    probe.style.color = `var(${token})`;
    return getComputedStyle(probe).color;
  };
  try {
    const resolved = Object.fromEntries(Object.entries(TOKENS).map(([key, token]) => [key, read(token)])) as Record<
      keyof typeof TOKENS,
      string
    >;
    return { ...resolved, digits: dark ? DIGITS_DARK : DIGITS_LIGHT };
  } finally {
    probe.remove();
  }
}
