import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { CLASSIFY, onePixels, type ClassifyResult } from './helpers/drawings.js';
import { errorCodes } from './helpers/graphql.js';
import { subscribe } from './helpers/graphql-ws.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { classifyAs } from './helpers/predictions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const HISTORY = /* GraphQL */ `{ predictions { totalCount edges { node { id mine } } } }`;

interface History {
  predictions: { totalCount: number; edges: Array<{ node: { id: string; mine: boolean } }> };
}

/** The `mnist_client_id=...` pair and attributes of a response's Set-Cookie, if any. */
function clientCookie(headers: Headers): { value: string; attributes: string[] } | undefined {
  const cookie = headers.getSetCookie().find((c) => c.startsWith('mnist_client_id='));
  if (!cookie) return undefined;
  const [pair, ...attributes] = cookie.split(';').map((part) => part.trim());
  return { value: pair.slice('mnist_client_id='.length), attributes };
}

/**
 * Opens a raw graphql-ws socket (so that the upgrade request can carry
 * headers), sends connection_init with `payload`, then `query` if given, and
 * resolves with how the server answered.
 */
function connectionInit(wsUrl: string, payload: unknown, headers: Record<string, string> = {}, query?: string) {
  return new Promise<{ ack: boolean; code?: number; reason?: string; data?: unknown }>((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { headers });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.on('message', (text) => {
      const message = JSON.parse(String(text)) as { type: string; payload?: { data?: unknown } };
      if (message.type === 'connection_ack' && query) {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
      } else if (message.type === 'connection_ack' || message.type === 'next') {
        socket.close(1000);
        resolve({ ack: true, ...(message.payload ? { data: message.payload.data } : {}) });
      }
    });
    socket.on('close', (code, reason) => resolve({ ack: false, code, reason: String(reason) }));
    socket.on('error', reject);
  });
}

describe('anonymous client ids and ownership', () => {
  let server: TestServer;
  const count = async () => Number((await server.db.query<{ n: string }>('SELECT count(*) AS n FROM predictions'))[0].n);

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('gives a first-time browser a long-lived HttpOnly SameSite=Lax cookie and records its first drawing under it', async () => {
    const response = await server.graphql<ClassifyResult>(CLASSIFY, { input: { pixels: onePixels() } });
    assert.equal(response.errors, undefined);
    const cookie = clientCookie(response.headers);
    assert.ok(cookie, 'a mnist_client_id cookie is set');
    assert.match(cookie.value, UUID);
    assert.ok(cookie.attributes.includes('HttpOnly'));
    assert.ok(cookie.attributes.includes('SameSite=Lax'));
    assert.ok(cookie.attributes.includes('Path=/'));
    const maxAge = Number(cookie.attributes.find((a) => a.startsWith('Max-Age='))?.slice(8));
    assert.ok(maxAge >= 365 * 24 * 3600, `Max-Age ${maxAge} s is at least a year`);
    const [row] = await server.db.query<{ client_id: string }>('SELECT client_id FROM predictions WHERE id = $1', [response.data!.classify.id]);
    assert.equal(row.client_id, cookie.value);

    // The browser sends it back: no new cookie, and the drawing is in its history.
    const history = await server.graphql<History>(HISTORY, {}, { headers: { cookie: `theme=dark; mnist_client_id=${cookie.value}` } });
    assert.equal(clientCookie(history.headers), undefined);
    assert.deepEqual(history.data!.predictions.edges.map((e) => e.node), [{ id: response.data!.classify.id, mine: true }]);
  });

  test('sets the cookie on any page request, but not on /healthz', async () => {
    assert.ok(clientCookie((await fetch(`${server.url}/some/page`)).headers));
    assert.equal(clientCookie((await fetch(`${server.url}/healthz`)).headers), undefined);
  });

  test('replaces a malformed cookie with a fresh id', async () => {
    const response = await server.graphql<History>(HISTORY, {}, { headers: { cookie: 'mnist_client_id=not valid!' } });
    assert.equal(response.errors, undefined);
    assert.match(clientCookie(response.headers)?.value ?? '', UUID);
  });

  test('x-client-id wins over the cookie, and sets none', async () => {
    const id = await classifyAs(server, 'header-client-1');
    const response = await server.graphql<History>(HISTORY, {}, {
      headers: { 'x-client-id': 'header-client-1', cookie: 'mnist_client_id=2b7c9e0e-55a5-4c43-9d3e-3f0f7b9d8a11' },
    });
    assert.equal(clientCookie(response.headers), undefined);
    assert.deepEqual(response.data!.predictions.edges.map((e) => e.node.id), [id]);
  });

  for (const bad of ['short', 'has spaces in it', 'x'.repeat(65), 'ünïcödé-client', 'semi;colon-id']) {
    test(`refuses x-client-id ${JSON.stringify(bad.slice(0, 20))} with 400 BAD_USER_INPUT and stores nothing`, async () => {
      const before = await count();
      const response = await server.graphql(CLASSIFY, { input: { pixels: onePixels() } }, { headers: { 'x-client-id': bad } });
      assert.equal(response.status, 400);
      assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
      assert.match(response.errors![0].message, /x-client-id header must be a UUID or 8 to 64 letters, digits/);
      assert.equal(await count(), before);
    });
  }

  test('refuses a malformed x-client-id on the exports too', async () => {
    const response = await fetch(`${server.url}/export/user-dataset.csv`, { headers: { 'x-client-id': 'bad' } });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code, 'BAD_USER_INPUT');
  });

  test('a client sees only its own predictions, by list or by id', async () => {
    const alices = await classifyAs(server, 'alice-owner-1');
    const bobs = await classifyAs(server, 'bob-owner-001');
    const asBob = { headers: { 'x-client-id': 'bob-owner-001' } };
    const history = await server.graphql<History>(HISTORY, {}, asBob);
    assert.deepEqual(history.data!.predictions.edges.map((e) => e.node.id), [bobs]);
    const byId = `query ($id: ID!) { prediction(id: $id) { id } }`;
    assert.equal((await server.graphql<{ prediction: null }>(byId, { id: alices }, asBob)).data!.prediction, null);
    assert.equal((await server.graphql<{ prediction: { id: string } }>(byId, { id: bobs }, asBob)).data!.prediction?.id, bobs);
  });

  test('closes a graphql-ws connection with a malformed connectionParams.clientId with code 4400 and says why', async () => {
    for (const clientId of ['bad id', 42, 'x'.repeat(80)]) {
      const answer = await connectionInit(server.wsUrl, { clientId });
      assert.equal(answer.ack, false);
      assert.equal(answer.code, 4400, `clientId ${JSON.stringify(clientId)}`);
      assert.match(answer.reason!, /Bad client id/);
    }
    const header = await connectionInit(server.wsUrl, {}, { 'x-client-id': 'bad' });
    assert.equal(header.code, 4400, 'a malformed x-client-id on the upgrade request too');
    assert.deepEqual(await connectionInit(server.wsUrl, { clientId: 'fine-client-id' }), { ack: true });
  });

  test('over graphql-ws the client id comes from connectionParams, else the cookie; without either it owns nothing', async () => {
    const id = await classifyAs(server, 'ws-client-0001');
    const viaParams = await subscribe<History>(server.wsUrl, HISTORY, { connectionParams: { clientId: 'ws-client-0001' } });
    try {
      assert.deepEqual((await viaParams.next()).data!.predictions.edges.map((e) => e.node.id), [id]);
    } finally {
      await viaParams.close();
    }
    const viaCookie = await connectionInit(server.wsUrl, {}, { cookie: 'mnist_client_id=ws-client-0001' }, HISTORY);
    assert.equal((viaCookie.data as History).predictions.edges[0]?.node.id, id, 'the upgrade request\'s cookie names the client');
    const nobody = await subscribe<History>(server.wsUrl, HISTORY);
    try {
      assert.equal((await nobody.next()).data!.predictions.totalCount, 0);
    } finally {
      await nobody.close();
    }
  });

  test("without ADMIN_TOKEN a loopback subscriber is the admin: its predictionAdded feed carries every client's predictions, each telling whether it is its own", async () => {
    const feed = await subscribe<{ predictionAdded: { id: string; mine: boolean } }>(
      server.wsUrl,
      'subscription { predictionAdded { id mine } }',
      { connectionParams: { clientId: 'feed-client-1' } },
    );
    try {
      const own = await classifyAs(server, 'feed-client-1');
      const other = await classifyAs(server, 'feed-client-2');
      assert.deepEqual({ ...(await feed.next()).data!.predictionAdded }, { id: own, mine: true });
      assert.deepEqual({ ...(await feed.next()).data!.predictionAdded }, { id: other, mine: false });
    } finally {
      await feed.close();
    }
  });
});
