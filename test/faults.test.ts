import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../server/src/db/embedded-postgres.js';
import { createLogger } from '../server/src/logger.js';
import { makeTempDir } from './helpers/database.js';
import { CLASSIFY, onePixels, type ClassifyResult } from './helpers/drawings.js';
import { graphql } from './helpers/graphql.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { createUntrainedModelDir, type TestModelDir } from './helpers/model.js';
import { startApiProcess, type ChildNode } from './helpers/processes.js';

type Api = ChildNode & { url: string; wsUrl: string };
type Added = { predictionAdded: { id: string } };
const ADDED = /* GraphQL */ `subscription { predictionAdded { id } }`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Faults on a Postgres this file owns (an embedded cluster in a temp folder,
 * restarted at will; never the machine's shared server) under two API
 * processes: the first with its in-process training worker, as `npm start` runs.
 */
describe('faults', () => {
  let dir: string;
  let postgres: EmbeddedPostgres;
  let port: number;
  let modelDir: TestModelDir;
  let apiA: Api;
  let apiB: Api;
  const logger = createLogger({ logLevel: 'silent', nodeEnv: 'test' });
  const startPostgres = () => startEmbeddedPostgres({ dir: join(dir, 'postgres'), port, database: 'mnist_faults', logger });

  before(async () => {
    dir = await makeTempDir('mnist-faults-');
    port = 0;
    postgres = await startPostgres();
    port = Number(new URL(postgres.url).port);
    modelDir = await createUntrainedModelDir();
    // Limits on, in Postgres: an outage must not turn them into errors either.
    const env = { DATABASE_URL: postgres.url, DEFAULT_MODEL_DIR: modelDir.dir, CLASSIFY_RATE_LIMIT: '1000000', RATE_LIMIT_STORE: 'postgres' };
    apiA = await startApiProcess('api-a', { ...env, RUN_WORKER: 'true' });
    apiB = await startApiProcess('api-b', { ...env, RUN_WORKER: 'false' });
  });
  after(async () => {
    await Promise.all([apiA?.stop(), apiB?.stop()]);
    await postgres?.stop();
    await modelDir?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
    await assertNoOpenHandles();
  });

  test('a Postgres restart under load: in-flight classify calls answer DATABASE_UNAVAILABLE, the APIs recover on their own', async (t) => {
    // A plain client collecting ids: a prediction is looked up whenever it arrives, in any order.
    const seenOnB = new Set<string>();
    const watcher = createClient({ url: apiB.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    watcher.subscribe<Added>({ query: ADDED }, { next: (r) => void (r.data && seenOnB.add(r.data.predictionAdded.id)), error: () => undefined, complete: () => undefined });
    const outcomes = new Map<string, number>();
    const stored: string[] = [];
    let restarted = false;
    let okAfterRestart = 0;
    let stop = false;
    const loop = async () => {
      while (!stop) {
        let code: string;
        try {
          const response = await graphql<ClassifyResult>(apiA.url, CLASSIFY, { input: { pixels: onePixels() } });
          if (response.data?.classify) {
            code = 'OK';
            stored.push(response.data.classify.id);
            if (restarted) okAfterRestart++;
          } else {
            code = String(response.errors?.[0]?.extensions?.code);
          }
        } catch (error) {
          code = `FETCH_FAILED ${(error as Error).message}`;
        }
        outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
        if (code !== 'OK') await sleep(20);
      }
    };
    const loops = Array.from({ length: 6 }, loop);
    try {
      await sleep(1_000);
      await postgres.stop();
      const health = await fetch(`${apiA.url}/healthz`);
      assert.equal(health.status, 503);
      assert.equal(((await health.json()) as { reason: string }).reason, 'DATABASE_UNAVAILABLE');
      await sleep(2_000);
      postgres = await startPostgres();
      restarted = true;
      const deadline = Date.now() + 30_000;
      while (okAfterRestart < 20 && Date.now() < deadline) await sleep(100);
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    const summary = JSON.stringify(Object.fromEntries(outcomes));
    t.diagnostic(`classify outcomes across the restart: ${summary}`);
    assert.ok(okAfterRestart >= 20, `classify works again after the restart: ${summary}`);
    assert.ok((outcomes.get('DATABASE_UNAVAILABLE') ?? 0) > 0, `the outage was seen: ${summary}`);
    assert.deepEqual([...outcomes.keys()].sort(), ['DATABASE_UNAVAILABLE', 'OK'], `only answers and DATABASE_UNAVAILABLE: ${summary}`);
    for (const api of [apiA, apiB]) assert.equal(api.child.exitCode, null, `${api.name} is still running`);
    assert.equal((await fetch(`${apiB.url}/healthz`)).status, 200);

    // Every answered classify is stored.
    const check = await graphql<{ a: unknown }>(apiA.url, `{ __typename }`);
    assert.equal(check.errors, undefined);
    const { Client } = (await import('pg')).default;
    const client = new Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM predictions WHERE id = ANY($1::uuid[])', [stored]);
      assert.equal(Number(rows[0].n), stored.length, 'every answered prediction is in the database');
    } finally {
      await client.end();
    }

    // The LISTEN connections came back: predictions from A reach the subscriber on B again.
    try {
      const deadline = Date.now() + 20_000;
      let seen = false;
      while (!seen && Date.now() < deadline) {
        const response = await graphql<ClassifyResult>(apiA.url, CLASSIFY, { input: { pixels: onePixels() } });
        const id = response.data!.classify.id;
        // Nothing within a second: a listener may still be reconnecting; classify again.
        for (let waited = 0; waited < 1_000 && !seen; waited += 50) {
          await sleep(50);
          seen = seenOnB.has(id);
        }
      }
      assert.ok(seen, 'a prediction made on A after the restart reached the subscriber on B');
      assert.ok(seenOnB.size > 1, 'predictions made before the outage reached it too');
    } finally {
      await watcher.dispose();
    }
  });

  test('an API process killed under its graphql-ws subscribers: they reconnect to the other instance and keep receiving', async () => {
    const urls = [apiA.wsUrl, apiB.wsUrl];
    let attempt = 0;
    let connections = 0;
    const received: string[] = [];
    const client = createClient({
      // Each (re)connection tries the next instance: A first, then B once A is gone.
      url: () => urls[attempt++ % urls.length],
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 20,
      retryWait: async () => {
        await sleep(200);
      },
      shouldRetry: () => true,
      on: { connected: () => void connections++ },
      onNonLazyError: () => undefined,
    });
    try {
      client.subscribe<Added>(
        { query: ADDED },
        { next: (result) => void (result.data && received.push(result.data.predictionAdded.id)), error: () => undefined, complete: () => undefined },
      );
      const deadline = Date.now() + 10_000;
      while (connections < 1 && Date.now() < deadline) await sleep(50);
      assert.equal(connections, 1);
      await sleep(200);
      await apiA.stop('SIGKILL');
      assert.equal(apiA.child.signalCode, 'SIGKILL');
      // Classify on B until the re-subscribed client sees one.
      const until = Date.now() + 20_000;
      let id = '';
      while (Date.now() < until) {
        const response = await graphql<ClassifyResult>(apiB.url, CLASSIFY, { input: { pixels: onePixels() } });
        id = response.data!.classify.id;
        await sleep(300);
        if (received.includes(id)) break;
      }
      assert.ok(connections >= 2, 'the client connected again');
      assert.ok(received.includes(id), 'after reconnecting to B the subscription delivers B\'s predictions');
    } finally {
      await client.dispose();
    }
  });
});
