import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoOpenHandles } from './helpers/handles.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('HTTP endpoints', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('GET /healthz answers 200 with the active model version', async () => {
    const response = await fetch(`${server.url}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok', model: 1 });
  });

  test('every response carries a request id, the caller’s own when given', async () => {
    const fresh = await fetch(`${server.url}/healthz`);
    assert.match(fresh.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const given = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'trace-42' } });
    assert.equal(given.headers.get('x-request-id'), 'trace-42');
  });

  test('a browser opening /graphql gets GraphiQL served from this server only', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const html = await response.text();
    assert.doesNotMatch(html, /(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i, 'the page loads nothing from another host');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((url) => !url.startsWith('data:'));
    assert.ok(assets.length >= 5, `page references its assets: ${assets.join(', ')}`);
    for (const asset of assets) {
      assert.ok(asset.startsWith('/graphiql/'), `${asset} is served locally`);
      const file = await fetch(`${server.url}${asset}`);
      assert.equal(file.status, 200, asset);
      assert.match(file.headers.get('content-type') ?? '', asset.endsWith('.css') ? /text\/css/ : /javascript/, asset);
      const text = await file.text();
      assert.ok(text.length > 100, `${asset} has content`);
      if (asset.endsWith('.css')) assert.doesNotMatch(text, /url\(\s*['"]?(https?:)?\/\//, `${asset} loads no remote fonts`);
    }
    const init = await (await fetch(`${server.url}/graphiql/init.js`)).text();
    assert.match(init, /subscriptionUrl/, 'GraphiQL is wired for subscriptions over ws');
  });

  test('GraphQL clients asking for JSON at /graphql get GraphQL, not the IDE', async () => {
    const response = await fetch(`${server.url}/graphql?query=%7B__typename%7D`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { data: { __typename: 'Query' } });
  });

  test('CSRF prevention refuses simple GET requests without a preflight header', async () => {
    const response = await fetch(`${server.url}/graphql?query=%7B__typename%7D`, { headers: { accept: 'application/json' } });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /CSRF/i);
  });

  test('introspection works, so tools can load the schema', async () => {
    const response = await server.graphql<{ __schema: { mutationType: { name: string } } }>(`{ __schema { mutationType { name } } }`);
    assert.equal(response.data?.__schema.mutationType.name, 'Mutation');
  });
});
