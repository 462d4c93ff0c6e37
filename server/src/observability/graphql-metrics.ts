/**
 * Metrics of the GraphQL operations that matter to the product: classify
 * (latency, predictions by digit and model version, points per drawing),
 * preview (latency, points per drawing) and labelling. Hooked onto the root fields, so HTTP and WebSocket calls count
 * alike.
 */
import type { GraphQLSchema } from 'graphql';
import { ErrorCode, errorCode } from '../errors.js';
import { hookRootField } from '../graphql/field-hooks.js';
import type { AppMetrics, ClassifyOperation, ClassifyOutcome } from './metrics.js';

/** Codes that mean the caller sent something wrong or was refused, as opposed to the server failing. */
const CLIENT_CODES = new Set<string>(Object.values(ErrorCode).filter((c) => c !== ErrorCode.INTERNAL_SERVER_ERROR && c !== ErrorCode.DATABASE_UNAVAILABLE));

const outcomeOf = (error: unknown): ClassifyOutcome => {
  const code = errorCode(error);
  return code !== undefined && CLIENT_CODES.has(code) ? 'rejected' : 'error';
};

export interface GraphQLMetricsOptions {
  /** The version number of a model version id (cached by the caller or looked up). */
  versionOf(modelVersionId: string): Promise<number | undefined>;
}

/** Points of a drawing's strokes, or undefined for an image, pixels or a malformed input. */
function pointsOf(args: Record<string, unknown>): number | undefined {
  const strokes = (args.input as { strokes?: unknown } | undefined)?.strokes;
  if (!Array.isArray(strokes)) return undefined;
  let points = 0;
  for (const stroke of strokes as Array<{ points?: unknown }>) points += Array.isArray(stroke?.points) ? stroke.points.length : 0;
  return points;
}

export function instrumentSchema(schema: GraphQLSchema, metrics: AppMetrics, options: GraphQLMetricsOptions): void {
  const countPoints = (operation: ClassifyOperation, args: Record<string, unknown>) => {
    const points = pointsOf(args);
    if (points !== undefined) metrics.drawingPoints.observe({ operation }, points);
  };
  hookRootField(schema, 'classify', async (next, { args }) => {
    countPoints('classify', args);
    const started = performance.now();
    let outcome: ClassifyOutcome = 'error';
    let result: { digit?: unknown; modelVersionId?: unknown } | undefined;
    try {
      result = (await next()) as typeof result;
      outcome = 'ok';
      return result;
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      if (outcome === 'ok' && typeof result?.digit === 'number' && typeof result.modelVersionId === 'string') {
        const digit = result.digit;
        // The version lookup is cached; never let it delay or fail the answer.
        options.versionOf(result.modelVersionId).then(
          (modelVersion) => metrics.observeClassify('classify', 'ok', seconds, { digit, modelVersion }),
          () => metrics.observeClassify('classify', 'ok', seconds, { digit, modelVersion: undefined }),
        );
      } else {
        metrics.observeClassify('classify', outcome, seconds);
      }
    }
  });
  // Latency only: a preview stores no prediction, so it adds to no prediction count.
  hookRootField(
    schema,
    'preview',
    async (next, { args }) => {
      countPoints('preview', args);
      const started = performance.now();
      let outcome: ClassifyOutcome = 'error';
      try {
        const result = await next();
        outcome = 'ok';
        return result;
      } catch (error) {
        outcome = outcomeOf(error);
        throw error;
      } finally {
        metrics.observeClassify('preview', outcome, (performance.now() - started) / 1000);
      }
    },
    'Query',
  );
  hookRootField(schema, 'labelPrediction', async (next, { args }) => {
    const result = await next();
    metrics.observeLabel(typeof args.label === 'number' ? args.label : null);
    return result;
  });
  hookRootField(schema, 'clearLabel', async (next) => {
    const result = await next();
    metrics.observeLabel(null);
    return result;
  });
}

/** A `versionOf` that asks `find` once per id (versions never change number). */
export function cachedVersionLookup(find: (id: string) => Promise<{ version: number } | null>): GraphQLMetricsOptions['versionOf'] {
  const cache = new Map<string, number>();
  return async (id) => {
    const known = cache.get(id);
    if (known !== undefined) return known;
    const row = await find(id);
    if (row) cache.set(id, row.version);
    return row?.version;
  };
}
