import type uPlot from 'uplot';

let loading: Promise<typeof uPlot> | undefined;

/**
 * uPlot, fetched on first use (about 22 kB gzipped plus its stylesheet) so
 * that pages without charts, the Draw page above all, never load it. A failed
 * fetch is forgotten, so the next chart tries again.
 */
export function loadUplot(): Promise<typeof uPlot> {
  loading ??= import('./uplot-module').then(
    (module) => module.default,
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}
