/**
 * Retraining under load: how fast progress crosses processes, and whether a
 * running training job hurts `classify`.
 *
 * 1. Progress latency, publish → subscriber: events are appended (stored +
 *    NOTIFY) by this process acting as a worker, through its own connection,
 *    and timed until a graphql-ws subscriber of the API receives them —
 *    Postgres, the API's LISTEN connection, GraphQL and the WebSocket
 *    included. Also measured on the BATCH events of a real job run by the
 *    API's in-process worker (wall-clock `at` → receipt, 1 ms resolution).
 * 2. `classify` latency over HTTP (4 concurrent clients) with the API idle,
 *    then while the in-process worker trains (training and evaluation run in
 *    worker threads; the API thread only relays progress).
 *
 * Run: `npm run bench training-progress` (uses DATABASE_URL when set, else
 * an embedded Postgres). Figures go to BENCHMARKS.md.
 */
import { cpus, loadavg } from 'node:os';
import { createDataSource } from '../server/src/db/data-source.js';
import { EventBus } from '../server/src/events/bus.js';
import { TrainingEventsService } from '../server/src/services/training-events.service.js';
import { CLASSIFY } from '../test/helpers/drawings.js';
import { startTestServer, type TestServer } from '../test/helpers/server.js';
import { CANCEL_TRAINING, followJob, startJob } from '../test/helpers/training.js';
import { loadMnist } from '../server/src/ml/mnist.js';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summary(name: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(1);
  return `| ${name} | ${s.length} | ${f(percentile(s, 50))} | ${f(percentile(s, 90))} | ${f(percentile(s, 99))} | ${f(s.at(-1) ?? Number.NaN)} |`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Appends `count` events to a job at `perSecond` and returns publish → receipt times in ms. */
async function transportLatency(server: TestServer, count: number, perSecond: number): Promise<number[]> {
  // A job row outside the queue: no worker takes it, so only our events flow.
  const [job] = await server.db.query<{ id: string }>(`INSERT INTO training_jobs (params) VALUES ('{}') RETURNING id`);
  const follower = await followJob(server.wsUrl, job.id);
  const seen = 0;

  const dataSource = createDataSource(server.db.url);
  await dataSource.initialize();
  const bus = new EventBus(server.db.url);
  const events = new TrainingEventsService(dataSource, bus);
  const sentAt = new Map<number, number>();
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      const record = await events.append(job.id, { type: 'BATCH', epoch: 1, epochs: 1, batch: i + 1, batches: count, loss: 1, progress: (i + 1) / count });
      sentAt.set(record.seq, t0);
      await sleep(1000 / perSecond);
    }
    await follower.waitFor((e) => e.type === 'BATCH' && e.batch === count, 10_000);
    await events.append(job.id, { type: 'CANCELLED', error: 'benchmark over' });
    await follower.done(10_000);
  } finally {
    await follower.close();
    await bus.close();
    await dataSource.destroy();
  }
  const latencies: number[] = [];
  follower.events.forEach((event, i) => {
    if (i < seen || event.type !== 'BATCH') return;
    const t0 = sentAt.get(event.seq);
    if (t0 !== undefined) latencies.push(follower.receivedAt[i] - t0);
  });
  return latencies;
}

/** Runs classify from `clients` concurrent loops for `ms`; returns each request's latency in ms. */
async function classifyLoad(server: TestServer, ms: number, clients: number): Promise<number[]> {
  const test = loadMnist('test', 100);
  const latencies: number[] = [];
  const end = performance.now() + ms;
  let n = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const i = n++ % test.count;
        const pixels = Array.from(test.images.subarray(i * 784, (i + 1) * 784));
        const t0 = performance.now();
        const response = await server.graphql(CLASSIFY, { input: { pixels } });
        latencies.push(performance.now() - t0);
        if (response.errors) throw new Error(`classify failed: ${JSON.stringify(response.errors)}`);
      }
    }),
  );
  return latencies;
}

async function main(): Promise<void> {
  const server = await startTestServer({ config: { trainingProgressMs: 250, evalTestLimit: 1000, classifyRateLimit: 0, trainingRateLimit: 0 } });
  const rows: string[] = [];
  try {
    // Warm-up: JIT, the classifier's first batch, connection pools.
    await classifyLoad(server, 2_000, 4);

    rows.push(summary('progress, publish → graphql-ws subscriber (20 events/s)', await transportLatency(server, 400, 20)));

    const idle = await classifyLoad(server, 10_000, 4);
    rows.push(summary('classify over HTTP, idle (4 clients)', idle));

    const job = await startJob((q, v) => server.graphql(q, v), { mnistLimit: 60_000, epochs: 1, seed: 1 });
    const follower = await followJob(server.wsUrl, job.id);
    await follower.waitFor((e) => e.type === 'BATCH', 60_000);
    // Wall-clock `at` (set when the worker publishes) to receipt; same machine, same clock.
    const lagSince = (from: number) =>
      follower.events
        .map((e, i) => ({ e, i }))
        .filter(({ e, i }) => e.type === 'BATCH' && i >= from)
        .map(({ e, i }) => performance.timeOrigin + follower.receivedAt[i] - Date.parse(e.at));
    let mark = follower.events.length;
    await sleep(10_000);
    rows.push(summary('progress of a real job, `at` → subscriber, API otherwise idle', lagSince(mark)));
    mark = follower.events.length;
    const busy = await classifyLoad(server, 10_000, 4);
    rows.push(summary('classify over HTTP, while training (4 clients)', busy));
    rows.push(summary('progress of a real job, `at` → subscriber, during that classify load', lagSince(mark)));
    await server.graphql(CANCEL_TRAINING, { id: job.id });
    await follower.done(60_000).catch(() => undefined);
    await follower.close();
  } finally {
    await server.close();
  }
  console.log(`load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(', ')} on ${cpus().length} cores`);
  console.log('| measurement | n | p50 ms | p90 ms | p99 ms | max ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
}

await main();
