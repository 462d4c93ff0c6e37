import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getNamedType, isEnumType, isInputObjectType, Kind, parse, typeFromAST, type OperationDefinitionNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig, REPO_ROOT } from '../server/src/config.js';
import { ResolverContainer } from '../server/src/graphql/container.js';
import { operationCost } from '../server/src/graphql/limits.js';
import { createAppPubSub } from '../server/src/graphql/pubsub.js';
import { buildAppSchema } from '../server/src/graphql/schema.js';
import { CLASSIFY, onePixels } from './helpers/drawings.js';
import { errorCodes, graphql } from './helpers/graphql.js';
import { withTestDatabase, type TestDatabase } from './helpers/database.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PAGED = /* GraphQL */ `{ predictions(first: 100) { edges { node { id digit confidence createdAt } } } }`;
const count = async (db: TestDatabase) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM predictions'))[0].n);

/** `promise`, or a rejection after `ms` (a missing error must fail the test, not hang it). */
function within<T>(promise: Promise<T>, ms = 5_000): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms).unref())]);
}

/** Opens a raw WebSocket speaking graphql-transport-ws and resolves with how it was closed. */
function closeOf(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

describe('limits on one server', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({
      config: {
        runWorker: false,
        maxQueryComplexity: 200,
        classifyRateLimit: 3,
        trainingRateLimit: 1,
        rateLimitStore: 'memory',
        wsMaxConnectionsPerIp: 3,
        wsMaxSubscriptions: 2,
        wsInitTimeoutMs: 300,
      },
    });
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('an operation over the cost limit answers QUERY_TOO_COMPLEX (HTTP 400) with its cost, before running', async () => {
    const response = await server.graphql(PAGED);
    assert.equal(response.status, 400);
    assert.deepEqual(errorCodes(response), ['QUERY_TOO_COMPLEX']);
    const error = response.errors![0];
    assert.equal(error.extensions?.maxCost, 200);
    assert.ok(Number(error.extensions?.cost) > 200);
    assert.match(error.message, /costs \d+, over the limit of 200.*smaller pages/);
    const small = await server.graphql(`{ predictions(first: 5) { edges { node { id } } } }`);
    assert.equal(small.errors, undefined, JSON.stringify(small.errors));
  });

  test('the cost limit holds over graphql-ws too', async () => {
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const errors = await within(new Promise<unknown>((resolve) => client.subscribe({ query: PAGED }, { next: () => undefined, error: resolve, complete: () => undefined })));
      assert.ok(Array.isArray(errors));
      assert.equal((errors as Array<{ extensions: { code: string } }>)[0].extensions.code, 'QUERY_TOO_COMPLEX');
    } finally {
      await client.dispose();
    }
  });

  test('classify is rate limited per address: RATE_LIMITED with retryAfter, HTTP 429 and Retry-After, nothing stored', async () => {
    const input = { input: { pixels: onePixels() } };
    // A different client id does not reset the count: the limit is per address.
    for (let i = 0; i < 3; i++) {
      const ok = await server.graphql(CLASSIFY, input, { headers: { 'x-client-id': `limits-client-${i}00` } });
      assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
    }
    const stored = await count(server.db);
    const refused = await server.graphql(CLASSIFY, input);
    assert.equal(refused.status, 429);
    assert.deepEqual(errorCodes(refused), ['RATE_LIMITED']);
    const retryAfter = Number(refused.errors![0].extensions?.retryAfter);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `retryAfter ${retryAfter}`);
    assert.equal(refused.headers.get('retry-after'), String(retryAfter));
    assert.match(refused.errors![0].message, /at most 3 per 1 min\. Retry in \d+ s/);
    assert.equal(await count(server.db), stored, 'a refused classify stores nothing');
  });

  test('startTraining is rate limited per address, whatever its input', async () => {
    const start = `mutation { startTraining(input: { epochs: 0 }) { id } }`;
    assert.deepEqual(errorCodes(await server.graphql(start)), ['BAD_USER_INPUT']);
    const refused = await server.graphql(start);
    assert.deepEqual(errorCodes(refused), ['RATE_LIMITED']);
    assert.ok(Number(refused.errors![0].extensions?.retryAfter) > 60, 'the window is an hour');
  });

  test('a graphql-ws connection may run WS_MAX_SUBSCRIPTIONS operations at once; the next gets TOO_MANY_SUBSCRIPTIONS', async () => {
    let connected!: () => void;
    const ready = new Promise<void>((resolve) => (connected = resolve));
    const client: Client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, on: { connected: () => connected() } });
    const sink = { next: () => undefined, error: () => undefined, complete: () => undefined };
    try {
      await within(ready);
      const unsubscribe = [client.subscribe({ query: 'subscription { predictionAdded { id } }' }, sink), client.subscribe({ query: 'subscription { modelActivated { id } }' }, sink)];
      await new Promise((resolve) => setTimeout(resolve, 100));
      const third = await within(
        new Promise<unknown>((resolve) =>
          client.subscribe({ query: 'subscription { predictionLabeled { id } }' }, { next: () => undefined, error: resolve, complete: () => undefined }),
        ),
      );
      const errors = third as Array<{ message: string; extensions: { code: string; max: number } }>;
      assert.equal(errors[0].extensions.code, 'TOO_MANY_SUBSCRIPTIONS');
      assert.equal(errors[0].extensions.max, 2);
      assert.match(errors[0].message, /complete \(unsubscribe\) one/);
      // Completing one frees its place.
      unsubscribe[0]();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const fourth = await new Promise<string>((resolve) => {
        client.subscribe({ query: 'subscription { predictionLabeled { id } }' }, { next: () => undefined, error: () => resolve('refused'), complete: () => undefined });
        setTimeout(() => resolve('accepted'), 300);
      });
      assert.equal(fourth, 'accepted');
    } finally {
      await client.dispose();
    }
  });

  test('more connections from one address than WS_MAX_CONNECTIONS_PER_IP are closed with 4430 and a reason', async () => {
    const sockets = Array.from({ length: 3 }, () => new WebSocket(server.wsUrl, 'graphql-transport-ws'));
    try {
      await Promise.all(sockets.map((s) => new Promise((resolve, reject) => s.once('open', resolve).once('error', reject))));
      const extra = new WebSocket(server.wsUrl, 'graphql-transport-ws');
      const closed = await within(closeOf(extra));
      assert.equal(closed.code, 4430);
      assert.match(closed.reason, /Too many WebSocket connections from your address \(limit 3\)/);
    } finally {
      await Promise.all(sockets.map((s) => (s.close(), closeOf(s))));
    }
    // Closed connections free their places.
    const again = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve, reject) => again.once('open', resolve).once('error', reject));
    again.close();
    await closeOf(again);
  });

  test('a socket that never sends connection_init is closed after WS_INIT_TIMEOUT_MS with 4408', async () => {
    const started = Date.now();
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    const closed = await within(closeOf(socket));
    assert.equal(closed.code, 4408);
    assert.ok(Date.now() - started < 3_000, 'closed at the configured timeout, not the 3 s default');
  });

  test('CSRF prevention refuses simple cross-site requests', async () => {
    const textPlain = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
    assert.equal(textPlain.status, 400);
    assert.match(await textPlain.text(), /CSRF/);
    const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json' } });
    assert.equal(get.status, 400);
    assert.match(await get.text(), /CSRF/);
  });
});

describe('rate limits in Postgres', () => {
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    db = await withTestDatabase();
    const config = { runWorker: false, classifyRateLimit: 4, rateLimitStore: 'postgres' as const };
    a = await startTestServer({ db, config });
    b = await startTestServer({ db, config });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await db?.close();
    await assertNoOpenHandles();
  });

  test('hold across API instances sharing the database', async () => {
    const input = { input: { pixels: onePixels() } };
    for (const server of [a, b, a, b]) assert.equal((await server.graphql(CLASSIFY, input)).errors, undefined);
    for (const server of [a, b]) assert.deepEqual(errorCodes(await graphql(server.url, CLASSIFY, input)), ['RATE_LIMITED']);
    const [row] = await db.query<{ key: string; points: number }>(`SELECT key, points FROM rate_limits WHERE key LIKE 'classify:%'`);
    assert.equal(row.points, 6, 'every call counted in one row for the address');
  });
});

describe('in production', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ config: { nodeEnv: 'production', adminToken: 'production-token-0123456789', runWorker: false } });
  });
  after(async () => {
    await server.db.query('ALTER TABLE IF EXISTS predictions_moved RENAME TO predictions').catch(() => undefined);
    await server?.close();
    await assertNoOpenHandles();
  });

  test('internal error details are hidden: no SQL, no stack trace', async () => {
    await server.db.query('ALTER TABLE predictions RENAME TO predictions_moved');
    try {
      const response = await server.graphql(CLASSIFY, { input: { pixels: onePixels() } });
      assert.deepEqual(errorCodes(response), ['INTERNAL_SERVER_ERROR']);
      const text = JSON.stringify(response.errors);
      assert.doesNotMatch(text, /relation|predictions|stacktrace|\.js:/);
      assert.match(response.errors![0].message, /it has been logged/);
    } finally {
      await server.db.query('ALTER TABLE predictions_moved RENAME TO predictions');
    }
  });
});

describe('the default cost limit', () => {
  test('lets through every operation the client sends, at the largest pages the fields serve', async () => {
    const schema = await buildAppSchema({ container: new ResolverContainer([]), pubSub: createAppPubSub() });
    const max = loadConfig({}).maxQueryComplexity;
    const dir = join(REPO_ROOT, 'client', 'src', 'lib', 'graphql', 'operations');
    const costs: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      for (const [, text] of readFileSync(join(dir, file), 'utf8').matchAll(/graphql\(\s*`([\s\S]*?)`/g)) {
        const document = parse(text);
        const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
        if (!operation) continue;
        // Values only matter for their page sizes; the rest just have to coerce.
        const variables: Record<string, unknown> = {};
        for (const definition of operation.variableDefinitions ?? []) {
          const name = definition.variable.name.value;
          const type = getNamedType(typeFromAST(schema, definition.type as never)!);
          variables[name] =
            name === 'first' || name === 'limit' ? 200
            : isEnumType(type) ? type.getValues()[0].name
            : isInputObjectType(type) ? {}
            : type.name === 'ID' ? '00000000-0000-4000-8000-000000000000'
            : type.name === 'Int' || type.name === 'Float' ? 0
            : type.name === 'Boolean' ? false
            : type.name === 'DateTime' ? '2026-01-01T00:00:00.000Z'
            : 'x';
        }
        const cost = operationCost(schema, document, variables);
        costs.push(`${operation.name?.value ?? file}: ${cost}`);
        assert.ok(cost <= max, `${file} ${operation.name?.value} costs ${cost}, over MAX_QUERY_COMPLEXITY's default ${max}`);
      }
    }
    assert.ok(costs.length >= 10, `found the client's operations: ${costs.join(', ')}`);
  });
});
