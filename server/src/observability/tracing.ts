/**
 * OpenTelemetry tracing, preloaded before the app so its instrumentations can
 * patch http, express, pg and graphql as they load:
 *
 *   node --import ./server/dist/server/src/observability/tracing.js server/dist/server/src/main.js
 *
 * Driven by the standard variables only. It is on when
 * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set
 * and OTEL_SDK_DISABLED is not `true`; spans then go out as OTLP over HTTP
 * (JSON), which collectors and vendors such as New Relic accept
 * (OTEL_EXPORTER_OTLP_HEADERS carries their API key), named by
 * OTEL_SERVICE_NAME (default `mnist-studio`). Off, this file imports only
 * a Node built-in and patches nothing: the preload costs one environment
 * lookup. Only the main thread traces (see the end of this file).
 *
 * Metrics stay with Prometheus (`GET /metrics`) and logs with pino, so the
 * SDK's own metric and log exporters are off unless OTEL_METRICS_EXPORTER /
 * OTEL_LOGS_EXPORTER ask for them.
 */
import { isMainThread } from 'node:worker_threads';

const env = process.env;

/** Whether tracing was started in this process (`on`) or not (`off`). */
export let tracing: 'on' | 'off' = 'off';

function enabled(): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return Boolean(endpoint) && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true';
}

async function startTracing(): Promise<void> {
  const { register } = await import('node:module');
  // ESM modules are patched through this loader hook; CommonJS ones (express, pg, graphql) through require.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  env.OTEL_SERVICE_NAME ??= 'mnist-studio';
  const [{ NodeSDK }, { OTLPTraceExporter }, { HttpInstrumentation }, { ExpressInstrumentation }, { PgInstrumentation }, { GraphQLInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-express'),
      import('@opentelemetry/instrumentation-pg'),
      import('@opentelemetry/instrumentation-graphql'),
    ]);
  const quiet = new Set(['/healthz', '/metrics']);
  const sdk = new NodeSDK({
    // Reads OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout) itself.
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [
      // Probes and scrapes every few seconds would drown the traces that matter.
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => quiet.has((request.url ?? '').split('?')[0]) }),
      new ExpressInstrumentation(),
      new PgInstrumentation({ requireParentSpan: true }),
      // One span per operation and per non-trivial resolver, not per scalar field.
      new GraphQLInstrumentation({ mergeItems: true, ignoreTrivialResolveSpans: true }),
    ],
  });
  sdk.start();
  tracing = 'on';
  // The app exits on its own after a signal; give the exporter that time to send what is buffered.
  // A process with no handler of its own is then ended by the signal, as it would have been.
  const flush = (signal: NodeJS.Signals) =>
    void sdk
      .shutdown()
      .catch(() => undefined)
      .finally(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
  process.once('SIGTERM', flush);
  process.once('SIGINT', flush);
}

// Worker threads (inference, image decoding) inherit the `--import` of this file; the request
// thread's SDK is the one that traces, and a second one per thread would only duplicate hooks and timers.
if (isMainThread && enabled()) await startTracing();
