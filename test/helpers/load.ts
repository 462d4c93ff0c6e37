/**
 * A classify load run against a real API process (the compiled main.js, on
 * loopback), shared by `bench/load.bench.ts` and `test/load.test.ts`:
 * autocannon keeps `connections` clients posting classify for `durationS`
 * (as a persisted query, the way the web app sends it),
 * and the server's row count, memory and tensor count are read before and
 * after through SQL and `/metrics`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import autocannon from 'autocannon';
import { withTestDatabase } from './database.js';
import { APP_CLASSIFY, SEVEN_STROKES } from './drawings.js';
import { createUntrainedModelDir } from './model.js';
import { API_ENTRY } from './processes.js';
import { sampleValue, scrape } from './prometheus.js';

export interface LoadOptions {
  connections: number;
  durationS: number;
  /** The classify operation sent. @default APP_CLASSIFY, the Draw page's */
  query?: string;
  /** The drawing sent (`DrawingInput`). @default SEVEN_STROKES, six points */
  input?: unknown;
  /**
   * More runs of `durationS` on the same server after the measured one, each
   * followed by a reading of its memory: a soak, to see memory level off.
   * @default 0
   */
  soakRounds?: number;
  /** Extra environment for the API process. */
  env?: Record<string, string>;
}

export interface ServerState {
  rows: number;
  rssBytes: number;
  heapUsedBytes: number;
  tensors: number;
}

export interface LoadReport {
  connections: number;
  durationS: number;
  /** Requests sent, including those still in flight when the run stopped counting. */
  sent: number;
  /** Responses with status 200 received within the run. */
  ok: number;
  /** Other statuses, connection errors and timeouts. */
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Requests per second, mean over the run. */
  throughput: number;
  /** Latency in ms. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  before: ServerState;
  after: ServerState;
  /**
   * Rows added during the run. Every answered classify is stored, so it is at
   * least `ok`; the requests in flight when autocannon stopped counting (at
   * most one per connection) are answered and stored too, unseen.
   */
  stored: number;
  /** Histogram of the server's own classify timing over the run: mean seconds. */
  serverClassifyMeanMs: number;
  /** The soak rounds after the measured run: each one's throughput, p99 and the server's state after it. */
  soak: Array<{ throughput: number; p99: number; errors: number; after: ServerState }>;
}

export async function runClassifyLoad(options: LoadOptions): Promise<LoadReport> {
  const db = await withTestDatabase();
  const model = await createUntrainedModelDir();
  const api = await startApi({
    DATABASE_URL: db.url,
    DEFAULT_MODEL_DIR: model.dir,
    RUN_WORKER: 'false',
    // Every client is 127.0.0.1: a per-address limit would refuse nearly all of them.
    CLASSIFY_RATE_LIMIT: '0',
    // As in production: info, one JSON line per request.
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
    ADMIN_TOKEN: 'load-test-admin-token-0123456789',
    ...options.env,
  }).catch(async (error: unknown) => {
    await db.close();
    await model.remove();
    throw error;
  });
  try {
    // As the web app sends it: an automatic persisted query, the hash alone once the server knows it.
    const query = options.query ?? APP_CLASSIFY;
    const input = options.input ?? SEVEN_STROKES;
    const extensions = { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } };
    const headers = { 'content-type': 'application/json', 'x-client-id': 'load-test-client' };
    const registered = await fetch(`${api.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables: { input }, extensions }) });
    const answer = (await registered.json().catch(() => undefined)) as { data?: unknown; errors?: unknown } | undefined;
    if (!registered.ok || !answer?.data || answer.errors) throw new Error(`registering the persisted query failed: ${registered.status} ${JSON.stringify(answer)}`);
    const request = { method: 'POST' as const, headers, body: JSON.stringify({ variables: { input }, extensions }) };
    // Warm up: the first calls compile wasm kernels and fill the pool.
    await autocannon({ url: `${api.url}/graphql`, connections: 4, amount: 50, ...request });
    const state = async (): Promise<ServerState> => {
      const samples = await scrape(api.url);
      const [{ n }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM predictions');
      return {
        rows: Number(n),
        rssBytes: sampleValue(samples, 'process_resident_memory_bytes'),
        heapUsedBytes: sampleValue(samples, 'nodejs_heap_size_used_bytes'),
        tensors: sampleValue(samples, 'mnist_tfjs_tensors'),
      };
    };
    const classifyTime = async () => {
      const samples = await scrape(api.url);
      return {
        sum: sampleValue(samples, 'mnist_classify_duration_seconds_sum', { outcome: 'ok' }),
        count: sampleValue(samples, 'mnist_classify_duration_seconds_count', { outcome: 'ok' }),
      };
    };
    const before = await state();
    const timeBefore = await classifyTime();
    const run = () => autocannon({ url: `${api.url}/graphql`, connections: options.connections, duration: options.durationS, timeout: 30, ...request });
    // Let the last responses' rows and metrics settle.
    const settle = () => new Promise((resolve) => setTimeout(resolve, 500));
    const result = await run();
    await settle();
    const after = await state();
    const timeAfter = await classifyTime();
    const soak: LoadReport['soak'] = [];
    for (let round = 0; round < (options.soakRounds ?? 0); round++) {
      const more = await run();
      await settle();
      soak.push({ throughput: more.requests.average, p99: more.latency.p99, errors: more.errors + more.timeouts + more.non2xx, after: await state() });
    }
    return {
      connections: options.connections,
      durationS: options.durationS,
      sent: result.requests.sent,
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      throughput: result.requests.average,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      before,
      after,
      stored: after.rows - before.rows,
      serverClassifyMeanMs: ((timeAfter.sum - timeBefore.sum) / Math.max(1, timeAfter.count - timeBefore.count)) * 1000,
      soak,
    };
  } finally {
    await api.stop();
    await db.close();
    await model.remove();
  }
}

/**
 * Starts the API and waits until it listens; its log lines are then drained
 * unread, so parsing them costs the measuring process nothing.
 */
async function startApi(env: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [API_ENTRY], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  let output = '';
  child.stderr.on('data', (c: Buffer) => (output += c.toString()).length > 100_000 && (output = output.slice(-10_000)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the API did not listen within 90 s:\n${output.slice(-2000)}`)), 90_000);
      const onData = (c: Buffer) => {
        output += c.toString();
        const match = /"url":"(http:[^"]+)".*"msg":"MNIST Studio is listening"/.exec(output);
        if (match) {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.stdout.resume();
          output = '';
          resolve(match[1]);
        }
      };
      child.stdout.on('data', onData);
      void exited.then(() => reject(new Error(`the API exited before listening:\n${output.slice(-2000)}`)));
    });
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Whether the rows account for every answer, and for nothing but what was sent. */
export const everyAnswerStored = (r: LoadReport): boolean => r.stored >= r.ok && r.stored <= r.sent && r.stored - r.ok <= r.connections;

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The report as a few readable lines. */
export function formatLoadReport(r: LoadReport): string {
  return [
    `${r.connections} clients classifying a stroke drawing for ${r.durationS} s over loopback`,
    `  answered 200: ${r.ok}; non-2xx: ${r.non2xx}; errors: ${r.errors}; timeouts: ${r.timeouts}`,
    `  throughput: ${r.throughput.toFixed(1)} req/s; latency p50 ${r.p50} ms, p90 ${r.p90} ms, p99 ${r.p99} ms, max ${r.max} ms`,
    `  server-side classify mean: ${r.serverClassifyMeanMs.toFixed(1)} ms`,
    `  rows stored: ${r.stored} for ${r.ok} answered and ${r.sent} sent (${everyAnswerStored(r) ? 'every answered classify stored; the rest were in flight at the end' : 'MISMATCH'})`,
    `  server RSS ${mib(r.before.rssBytes)} -> ${mib(r.after.rssBytes)}; heap used ${mib(r.before.heapUsedBytes)} -> ${mib(r.after.heapUsedBytes)}`,
    `  tfjs tensors ${r.before.tensors} -> ${r.after.tensors}`,
    ...r.soak.map(
      (round, i) =>
        `  soak round ${i + 1} (${r.durationS} s more): ${round.throughput.toFixed(1)} req/s, p99 ${round.p99} ms, ${round.errors} errors; ` +
        `then RSS ${mib(round.after.rssBytes)}, heap used ${mib(round.after.heapUsedBytes)}, tensors ${round.after.tensors}`,
    ),
  ].join('\n');
}
