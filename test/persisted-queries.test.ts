/**
 * Automatic persisted queries over real HTTP, as the web app sends them: the
 * hash alone is refused with PERSISTED_QUERY_NOT_FOUND until the server has
 * seen the text, a text that does not match its hash is refused, and a
 * known hash alone classifies and stores like the full text.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { APP_CLASSIFY, SEVEN_STROKES } from './helpers/drawings.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Reply {
  status: number;
  body: { data?: { classify?: { id: string; digit: number } } | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

describe('persisted queries', () => {
  let server: TestServer;
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const post = async (body: object): Promise<Reply> => {
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Reply['body'] };
  };
  const rows = async () => Number((await server.db.query<{ n: string }>('SELECT count(*) AS n FROM predictions'))[0].n);
  const variables = { input: SEVEN_STROKES };

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  test('an unknown hash alone is PERSISTED_QUERY_NOT_FOUND, and nothing is stored', async () => {
    const before = await rows();
    const reply = await post({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(`${APP_CLASSIFY} # never sent`) } } });
    assert.equal(reply.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
    // The web app's client recognises this message and resends with the text.
    assert.equal(reply.body.errors?.[0]?.message, 'PersistedQueryNotFound');
    assert.equal(await rows(), before);
  });

  test('a text sent with a hash that is not its own is refused, and nothing is stored', async () => {
    const before = await rows();
    const reply = await post({ query: APP_CLASSIFY, variables, extensions: { persistedQuery: { version: 1, sha256Hash: sha256('something else') } } });
    assert.equal(reply.status, 400);
    assert.match(reply.body.errors?.[0]?.message ?? '', /provided sha does not match query/);
    assert.equal(await rows(), before);
  });

  test('once the text was sent with its hash, the hash alone classifies and stores the prediction', async () => {
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(APP_CLASSIFY) } };
    const first = await post({ query: APP_CLASSIFY, variables, extensions });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const before = await rows();
    const second = await post({ variables, extensions });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.errors, undefined);
    assert.equal(second.body.data?.classify?.digit, first.body.data?.classify?.digit, 'the same drawing, the same answer');
    assert.notEqual(second.body.data?.classify?.id, first.body.data?.classify?.id, 'a new prediction');
    assert.equal(await rows(), before + 1);
    const [stored] = await server.db.query<{ id: string }>('SELECT id FROM predictions WHERE id = $1', [second.body.data!.classify!.id]);
    assert.ok(stored, 'the answer it gave is the row it stored');
  });
});
