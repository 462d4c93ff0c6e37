/**
 * The live `performance` query and the user-dataset exports at scale:
 *
 * - seeds N predictions (default 1,000,000) with `generate_series` into a
 *   fresh database (on DATABASE_URL's server when set, else an embedded
 *   Postgres): 1,000 clients, two model versions, spread over 90 days,
 *   a share of them labelled (default 50 %), the model right on ~90 %;
 * - times the `performance` GraphQL query over HTTP (p50 / p95 of several
 *   runs) for the whole history, the last 7 days, one model and one client
 *   (`mine: true`), and the SQL alone (EXPLAIN ANALYZE execution time);
 * - streams `/export/user-dataset.csv` and `/export/user-dataset.idx.zip`
 *   and samples the server process's heap and RSS meanwhile (the server runs
 *   in this process; the download is read and dropped chunk by chunk).
 *
 * Run: `npm run bench performance-query` (or `node
 * server/dist/bench/performance-query.bench.js [--rows 1000000]
 * [--labelled 0.5] [--runs 15] [--skip-export]` after `npm run build`).
 */
import os from 'node:os';
import { performance as clock } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import { aggregateSql } from '../server/src/services/performance.service.js';
import { withTestDatabase } from '../test/helpers/database.js';
import { seedPredictions } from '../test/helpers/predictions.js';
import { startTestServer, type TestServer } from '../test/helpers/server.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value)) throw new Error(`--${name} expects a number, got ${process.argv[at + 1]}`);
  return value;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ROWS = option('rows', 1_000_000);
const LABELLED = option('labelled', 0.5);
const RUNS = option('runs', 15);
const SKIP_EXPORT = process.argv.includes('--skip-export');

const PERFORMANCE = /* GraphQL */ `
  query Perf($modelId: ID, $from: DateTime, $to: DateTime, $mine: Boolean) {
    performance(modelId: $modelId, from: $from, to: $to, mine: $mine) {
      labeledCount correctCount accuracy macroF1 bucket
      perClass { digit precision recall f1 support }
      confusionMatrix
      overTime { bucketStart count accuracy }
      byModel { model { version } labeledCount accuracy }
    }
  }
`;

/** The same, plus the confidence distribution the Performance page also shows. */
const WITH_CONFIDENCE = PERFORMANCE.replace('byModel {', 'confidence { meanWhenCorrect meanWhenWrong bins { lo hi correct wrong } }\n      byModel {');

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function timeRuns(label: string, run: () => Promise<void>): Promise<{ p50: number; p95: number }> {
  await run();
  await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = clock.now();
    await run();
    times.push(clock.now() - started);
  }
  times.sort((a, b) => a - b);
  const result = { p50: percentile(times, 50), p95: percentile(times, 95) };
  console.log(`  ${label.padEnd(44)} p50 ${ms(result.p50).padStart(9)}   p95 ${ms(result.p95).padStart(9)}   (${RUNS} runs)`);
  return result;
}

async function seed(server: TestServer): Promise<void> {
  const { db } = server;
  const [v1] = await db.query<{ id: string }>('SELECT id FROM model_versions WHERE version = 1');
  const [v2] = await db.query<{ id: string }>(
    `INSERT INTO model_versions (version, name, status, topology, weight_specs, weights, metrics, recipe, lineage)
     SELECT 2, 'bench v2', 'candidate', topology, weight_specs, weights, '{}', '{}', '{}' FROM model_versions WHERE version = 1
     RETURNING id`,
  );
  const started = clock.now();
  // Labels in [0,9]; the model answers the label ~90 % of the time (a deterministic hash decides).
  const label = `CASE WHEN (hashint4(i) & 1023) < ${Math.round(LABELLED * 1024)} THEN (i % 10) END`;
  const digit = `CASE WHEN (hashint4(i * 7) & 1023) < 922 THEN (i % 10) ELSE ((i + 1 + (i / 10) % 9) % 10) END`;
  const half = Math.floor(ROWS / 2);
  for (const [count, model, start] of [
    [half, v1.id, 1],
    [ROWS - half, v2.id, half + 1],
  ] as const) {
    await seedPredictions(db, {
      count,
      start,
      clientId: null,
      clientIdSql: `'bench-client-' || (hashint4(i * 13) & 1023) % 1000`,
      modelVersionId: model,
      digit,
      label,
      createdAt: `now() - (i * (90 * 86400.0 / ${ROWS})) * interval '1 second'`,
    });
  }
  const seeded = clock.now() - started;
  await db.query('VACUUM ANALYZE predictions');
  const [{ total, labelled, size }] = await db.query<{ total: number; labelled: number; size: string }>(
    `SELECT count(*)::int AS total, count(label)::int AS labelled, pg_size_pretty(pg_total_relation_size('predictions')) AS size FROM predictions`,
  );
  console.log(`seeded ${total} predictions (${labelled} labelled, table + indexes ${size}) in ${(seeded / 1000).toFixed(1)} s, then VACUUM ANALYZE`);
}

async function main(): Promise<void> {
  console.log(`# ${ROWS} predictions, ${Math.round(LABELLED * 100)} % labelled, Postgres ${process.env.DATABASE_URL ? 'from DATABASE_URL' : 'embedded'}`);
  const db = await withTestDatabase();
  const server = await startTestServer({ db, config: { runWorker: false } });
  try {
    await seed(server);
    const [{ server_version: version }] = await db.query<{ server_version: string }>('SHOW server_version');
    console.log(`Postgres ${version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
    const [{ id: v2 }] = await db.query<{ id: string }>('SELECT id FROM model_versions WHERE version = 2');
    const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString();

    const query = async (variables: Record<string, unknown>, headers: Record<string, string> = {}, text = PERFORMANCE) => {
      const response = await server.graphql<{ performance: { labeledCount: number } }>(text, variables, { headers });
      if (response.errors) throw new Error(JSON.stringify(response.errors));
      return response.data!.performance;
    };
    const whole = await query({});
    console.log(`performance over HTTP (labeledCount ${whole.labeledCount}):`);
    await timeRuns('all labelled predictions (90 days, weekly)', async () => void (await query({})));
    await timeRuns('last 7 days (daily buckets)', async () => void (await query({ from: weekAgo })));
    await timeRuns('one model version', async () => void (await query({ modelId: v2 })));
    await timeRuns('mine: true (one of 1,000 clients)', async () => void (await query({ mine: true }, { 'x-client-id': 'bench-client-7' })));
    await timeRuns('all, with the confidence distribution', async () => void (await query({}, {}, WITH_CONFIDENCE)));

    console.log('SQL alone (the aggregate statement, EXPLAIN ANALYZE execution time, median of 5):');
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      await sql.query('SET jit = off');
      for (const [label, bucket, where, params] of [
        ['all labelled predictions (weekly)', 'week', 'p.label IS NOT NULL', []],
        ['last 7 days (daily)', 'day', 'p.label IS NOT NULL AND p.created_at >= $1', [weekAgo]],
        ['mine: true (weekly)', 'week', 'p.label IS NOT NULL AND p.client_id = $1', ['bench-client-7']],
      ] as const) {
        const times: number[] = [];
        let plan = '';
        for (let i = 0; i < 5; i++) {
          const { rows } = await sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE) ${aggregateSql(bucket, where)}`, [...params]);
          const lines = rows.map((r) => r['QUERY PLAN']);
          times.push(Number(/Execution Time: ([\d.]+) ms/.exec(lines.join('\n'))?.[1]));
          const workers = lines.find((l) => /Workers Launched/.test(l))?.trim() ?? 'no parallel workers';
          plan = `${lines.find((l) => /Scan using/.test(l))?.trim().replace(/\s+\(cost.*$/, '').replace(/^->\s+/, '') ?? ''}; ${workers}`;
        }
        times.sort((a, b) => a - b);
        console.log(`  ${label.padEnd(44)} ${ms(times[2]).padStart(9)}   ${plan}`);
      }
    } finally {
      await sql.end();
    }

    if (!SKIP_EXPORT) {
      console.log('exports (this process serves and downloads; heap and RSS sampled every 100 ms, "retained" after a forced GC):');
      for (const path of ['/export/user-dataset.csv', '/export/user-dataset.idx.zip']) {
        gc();
        const base = process.memoryUsage();
        let peakHeap = base.heapUsed;
        let peakRss = base.rss;
        let retained = 0;
        let ticks = 0;
        const sampler = setInterval(() => {
          const now = process.memoryUsage();
          peakHeap = Math.max(peakHeap, now.heapUsed);
          peakRss = Math.max(peakRss, now.rss);
          // Every tenth sample, collect first: what the export really holds on to.
          if (++ticks % 10 === 0) {
            gc();
            retained = Math.max(retained, process.memoryUsage().heapUsed - base.heapUsed);
          }
        }, 100);
        const started = clock.now();
        const response = await fetch(`${server.url}${path}`);
        let bytes = 0;
        for await (const chunk of response.body!) bytes += (chunk as Uint8Array).byteLength;
        const seconds = (clock.now() - started) / 1000;
        clearInterval(sampler);
        const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
        console.log(
          `  ${path.padEnd(30)} ${response.headers.get('x-sample-count')} samples, ${mb(bytes)} in ${seconds.toFixed(1)} s; ` +
            `heap +${mb(peakHeap - base.heapUsed)} peak, +${mb(retained)} retained; RSS +${mb(peakRss - base.rss)} peak`,
        );
      }
    }
  } finally {
    await server.close();
    await db.close();
  }
}

await main();
