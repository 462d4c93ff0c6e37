import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ConfigError } from '../server/src/config.js';
import { startServer } from '../server/src/main.js';
import { errorCodes } from './helpers/graphql.js';
import { subscribe } from './helpers/graphql-ws.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { classifyAs } from './helpers/predictions.js';
import { API_ENTRY } from './helpers/processes.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const TOKEN = 'test-admin-token-5f0c9d2e8b7a';
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';
const CANCEL = /* GraphQL */ `mutation($id: ID!) { cancelTraining(id: $id) { id } }`;
const ACTIVATE = /* GraphQL */ `mutation($id: ID!) { activateModel(id: $id) { id } }`;
const START = /* GraphQL */ `mutation { startTraining(input: { epochs: 0 }) { id } }`;
const DELETE = /* GraphQL */ `mutation($id: ID!) { deletePrediction(id: $id) }`;
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** Runs one operation over graphql-ws with `connectionParams` and returns its first result. */
async function overWebSocket(wsUrl: string, query: string, variables: Record<string, unknown>, connectionParams: Record<string, unknown>) {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams });
  try {
    return await new Promise<{ errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }> }>((resolve, reject) => {
      client.subscribe({ query, variables }, { next: resolve, error: (e) => (Array.isArray(e) ? resolve({ errors: e }) : reject(e)), complete: () => undefined });
    });
  } finally {
    await client.dispose();
  }
}

describe('admin operations with ADMIN_TOKEN set', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ config: { adminToken: TOKEN, runWorker: false } });
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('refuse callers without the token with UNAUTHENTICATED saying what to send, even from loopback', async () => {
    for (const [query, variables] of [
      [CANCEL, { id: NO_SUCH_ID }],
      [ACTIVATE, { id: NO_SUCH_ID }],
      [START, {}],
    ] as const) {
      const response = await server.graphql(query, variables);
      assert.deepEqual(errorCodes(response), ['UNAUTHENTICATED'], JSON.stringify(response.errors));
      assert.match(response.errors![0].message, /needs the admin token: send the header `Authorization: Bearer <ADMIN_TOKEN>`/);
    }
  });

  test('refuse a wrong token with UNAUTHENTICATED', async () => {
    const response = await server.graphql(CANCEL, { id: NO_SUCH_ID }, bearer(`${TOKEN}-wrong`));
    assert.deepEqual(errorCodes(response), ['UNAUTHENTICATED']);
    assert.match(response.errors![0].message, /the token sent is not it/);
  });

  test("a visitor's live feeds carry only its own drawings, the token holder's everyone's", async () => {
    type Added = { predictionAdded: { id: string; mine: boolean } };
    type Labeled = { predictionLabeled: { id: string; label: number | null; mine: boolean } };
    const ADDED = 'subscription { predictionAdded { id mine } }';
    const LABELED = 'subscription { predictionLabeled { id label mine } }';
    const LABEL = 'mutation($id: ID!, $label: Int!) { labelPrediction(id: $id, label: $label) { id } }';
    const visitor = { connectionParams: { clientId: 'feed-visitor-1' } };
    const admin = { connectionParams: { clientId: 'feed-admin-1', adminToken: TOKEN } };
    const feeds = {
      visitorAdded: await subscribe<Added>(server.wsUrl, ADDED, visitor),
      visitorLabeled: await subscribe<Labeled>(server.wsUrl, LABELED, visitor),
      adminAdded: await subscribe<Added>(server.wsUrl, ADDED, admin),
      adminLabeled: await subscribe<Labeled>(server.wsUrl, LABELED, admin),
    };
    try {
      // The other visitor's drawing comes first: a feed that carried it would show it first.
      const other = await classifyAs(server, 'feed-visitor-2');
      const own = await classifyAs(server, 'feed-visitor-1');
      for (const [id, clientId] of [[other, 'feed-visitor-2'], [own, 'feed-visitor-1']]) {
        const labelled = await server.graphql(LABEL, { id, label: 1 }, { headers: { 'x-client-id': clientId } });
        assert.equal(labelled.errors, undefined, JSON.stringify(labelled.errors));
      }
      assert.deepEqual({ ...(await feeds.visitorAdded.next()).data!.predictionAdded }, { id: own, mine: true });
      assert.deepEqual({ ...(await feeds.visitorLabeled.next()).data!.predictionLabeled }, { id: own, label: 1, mine: true });
      assert.deepEqual(
        [{ ...(await feeds.adminAdded.next()).data!.predictionAdded }, { ...(await feeds.adminAdded.next()).data!.predictionAdded }],
        [
          { id: other, mine: true },
          { id: own, mine: true },
        ],
      );
      assert.deepEqual(
        [(await feeds.adminLabeled.next()).data!.predictionLabeled.id, (await feeds.adminLabeled.next()).data!.predictionLabeled.id],
        [other, own],
      );
    } finally {
      await Promise.all(Object.values(feeds).map((feed) => feed.close()));
    }
  });

  test('let the token through to the operation itself', async () => {
    assert.deepEqual(errorCodes(await server.graphql(CANCEL, { id: NO_SUCH_ID }, bearer(TOKEN))), ['NOT_FOUND']);
    assert.deepEqual(errorCodes(await server.graphql(ACTIVATE, { id: NO_SUCH_ID }, bearer(TOKEN))), ['NOT_FOUND']);
    assert.deepEqual(errorCodes(await server.graphql(START, {}, bearer(TOKEN))), ['BAD_USER_INPUT']);
  });

  test('over graphql-ws, take the token from connectionParams.authorization or adminToken', async () => {
    const without = await overWebSocket(server.wsUrl, CANCEL, { id: NO_SUCH_ID }, {});
    assert.equal(without.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    const withAuthorization = await overWebSocket(server.wsUrl, CANCEL, { id: NO_SUCH_ID }, { authorization: `Bearer ${TOKEN}` });
    assert.equal(withAuthorization.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    const withAdminToken = await overWebSocket(server.wsUrl, CANCEL, { id: NO_SUCH_ID }, { adminToken: TOKEN });
    assert.equal(withAdminToken.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  test('guard the user-dataset exports: 401 without the token, the file with it', async () => {
    const refused = await fetch(`${server.url}/export/user-dataset.csv`);
    assert.equal(refused.status, 401);
    const body = (await refused.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    assert.equal(body.errors[0].extensions.code, 'UNAUTHENTICATED');
    assert.match(body.errors[0].message, /Authorization: Bearer <ADMIN_TOKEN>/);
    const allowed = await fetch(`${server.url}/export/user-dataset.csv`, bearer(TOKEN));
    assert.equal(allowed.status, 200);
    await allowed.arrayBuffer();
  });

  test('visitors keep their own predictions only; the admin token reaches everyone\'s', async () => {
    const alices = await classifyAs(server, 'alice-admin-test');
    assert.deepEqual(errorCodes(await server.graphql(DELETE, { id: alices }, { headers: { 'x-client-id': 'mallory-admin-test' } })), ['NOT_FOUND']);
    const deleted = await server.graphql<{ deletePrediction: string }>(DELETE, { id: alices }, bearer(TOKEN));
    assert.equal(deleted.data?.deletePrediction, alices, JSON.stringify(deleted.errors));
    assert.equal((await server.db.query('SELECT 1 FROM predictions WHERE id = $1', [alices])).length, 0);
  });
});

describe('admin operations without ADMIN_TOKEN', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ config: { runWorker: false } });
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('are allowed from this machine', async () => {
    assert.deepEqual(errorCodes(await server.graphql(CANCEL, { id: NO_SUCH_ID })), ['NOT_FOUND']);
  });

  test('are FORBIDDEN through a proxy, with a message saying to set ADMIN_TOKEN', async () => {
    const response = await server.graphql(CANCEL, { id: NO_SUCH_ID }, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    assert.deepEqual(errorCodes(response), ['FORBIDDEN']);
    assert.match(response.errors![0].message, /allows admin operations only from its own machine; set ADMIN_TOKEN/);
    const exported = await fetch(`${server.url}/export/user-dataset.csv`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    assert.equal(exported.status, 403);
    await exported.arrayBuffer();
  });

  test('give no access to other visitors\' predictions, even from this machine', async () => {
    const id = await classifyAs(server, 'alice-admin-test');
    assert.deepEqual(errorCodes(await server.graphql(DELETE, { id })), ['NOT_FOUND']);
  });
});

describe('production mode', () => {
  test('refuses to start without ADMIN_TOKEN, saying how to set it', async () => {
    await assert.rejects(
      startServer({ nodeEnv: 'production', adminToken: undefined, port: 0, databaseUrl: 'postgres://nobody@127.0.0.1:1/none' }, {}),
      (error: unknown) => error instanceof ConfigError && /ADMIN_TOKEN is required when NODE_ENV=production.*openssl rand -hex 32/s.test(error.message),
    );
  });

  test('the server process exits 1 with that message and no stack trace', () => {
    const result = spawnSync(process.execPath, [API_ENTRY], {
      env: { ...process.env, NODE_ENV: 'production', ADMIN_TOKEN: '', PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /ADMIN_TOKEN is required when NODE_ENV=production/);
    assert.doesNotMatch(result.stderr, /at .*\.js:\d+/);
  });

  test('refuses a short ADMIN_TOKEN without echoing it', () => {
    const result = spawnSync(process.execPath, [API_ENTRY], {
      env: { ...process.env, ADMIN_TOKEN: 'hunter2', PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /ADMIN_TOKEN must be at least 16 printable characters/);
    assert.doesNotMatch(result.stderr, /hunter2/);
  });
});
