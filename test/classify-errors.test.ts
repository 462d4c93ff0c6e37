import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { onePixels, pngDataUrl, SEVEN_STROKES } from './helpers/drawings.js';
import { errorCodes, postGraphQL, type GraphQLResponse } from './helpers/graphql.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Two fields deep, within the MAX_QUERY_DEPTH of 2 set below.
const CLASSIFY = 'mutation Classify($input: DrawingInput!) { classify(input: $input) { id digit } }';

// Small limits so that each one is cheap to exceed.
const LIMITS = { bodyLimit: 64 * 1024, maxImageBytes: 4096, maxImageSide: 300, maxStrokePoints: 500, maxQueryDepth: 2 };

describe('classify refuses bad input with a stable code and stores nothing', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ config: LIMITS });
  });
  afterEach(async () => {
    const rows = await server.db.query<{ n: string }>('SELECT count(*) AS n FROM predictions');
    assert.equal(rows[0].n, '0', 'a refused request stored a prediction');
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  async function expectError(input: unknown, code: string, message?: RegExp): Promise<GraphQLResponse<unknown>> {
    const response = await server.graphql(CLASSIFY, { input });
    assert.deepEqual(errorCodes(response), [code], JSON.stringify(response.errors));
    if (message) assert.match(response.errors![0].message, message);
    assert.ok(response.data === null || response.data === undefined, 'no data with the error');
    return response;
  }

  test('refuses a drawing with none of strokes, image or pixels', async () => {
    await expectError({}, 'BAD_USER_INPUT', /exactly one of `strokes`, `image` or `pixels`; none was given/);
  });

  test('refuses a drawing with two of strokes, image or pixels', async () => {
    await expectError({ ...SEVEN_STROKES, pixels: onePixels() }, 'BAD_USER_INPUT', /got `strokes` and `pixels`/);
    await expectError({ image: pngDataUrl(), pixels: onePixels() }, 'BAD_USER_INPUT', /got `image` and `pixels`/);
  });

  test('answers EMPTY_DRAWING for blank strokes, pixels and images', async () => {
    await expectError({ strokes: [], width: 280, height: 280 }, 'EMPTY_DRAWING');
    await expectError({ strokes: [{ points: [] }], width: 280, height: 280 }, 'EMPTY_DRAWING');
    await expectError({ pixels: new Array(784).fill(0) }, 'EMPTY_DRAWING');
    await expectError({ image: pngDataUrl(56, 56, true) }, 'EMPTY_DRAWING');
  });

  test('refuses strokes without a canvas size or with a bad one', async () => {
    await expectError({ strokes: SEVEN_STROKES.strokes, height: 280 }, 'BAD_USER_INPUT', /`width` is required/);
    await expectError({ ...SEVEN_STROKES, width: 0 }, 'BAD_USER_INPUT', /`width` must be an integer from 1 to 300/);
    await expectError({ ...SEVEN_STROKES, height: 5000 }, 'BAD_USER_INPUT', /`height` must be an integer/);
    await expectError({ ...SEVEN_STROKES, lineWidth: -3 }, 'BAD_USER_INPUT', /`lineWidth` must be above 0/);
  });

  test('refuses coordinates far outside any canvas, naming the point', async () => {
    const strokes = [{ points: [{ x: 10, y: 10 }, { x: 1e12, y: 20 }] }];
    const response = await expectError({ strokes, width: 280, height: 280 }, 'BAD_USER_INPUT', /strokes\[0\]\.points\[1\]\.x/);
    assert.equal(response.errors![0].extensions?.field, 'input.strokes[0].points[1].x');
  });

  test('refuses numbers JSON cannot carry as a Float (1e400 overflows to Infinity)', async () => {
    const body = `{"query":${JSON.stringify(CLASSIFY)},"variables":{"input":{"width":280,"height":280,"strokes":[{"points":[{"x":1e400,"y":3}]}]}}}`;
    const response = await postGraphQL(server.url, body);
    assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
    assert.equal(response.status, 400);
  });

  test('answers PAYLOAD_TOO_LARGE for more stroke points than the limit', async () => {
    const points = Array.from({ length: 501 }, (_, i) => ({ x: 20 + (i % 200), y: 20 + Math.floor(i / 200) * 50 }));
    await expectError({ strokes: [{ points }], width: 280, height: 280 }, 'PAYLOAD_TOO_LARGE', /501 points; at most 500/);
  });

  test('refuses data URLs that are not a PNG or JPEG', async () => {
    await expectError({ image: 'not a data url' }, 'BAD_USER_INPUT');
    await expectError({ image: 'data:text/plain;base64,aGVsbG8=' }, 'BAD_USER_INPUT');
    await expectError({ image: 'data:image/png;base64,bm90IGEgcG5n' }, 'BAD_USER_INPUT');
  });

  test('answers PAYLOAD_TOO_LARGE for an image over the byte limit', async () => {
    const big = `data:image/png;base64,${Buffer.alloc(6000, 7).toString('base64')}`;
    await expectError({ image: big }, 'PAYLOAD_TOO_LARGE', /at most 4.0 KiB/);
  });

  test('answers PAYLOAD_TOO_LARGE for an image over the side limit', async () => {
    // Few bytes (flat colour compresses well), but 400 px wide.
    await expectError({ image: pngDataUrl(400, 40, true) }, 'PAYLOAD_TOO_LARGE');
  });

  test('refuses a wrong pixel count or a pixel outside [0,1]', async () => {
    await expectError({ pixels: onePixels().slice(1) }, 'BAD_USER_INPUT', /784 values.*got 783/);
    const pixels = onePixels();
    pixels[5] = 1.5;
    await expectError({ pixels }, 'BAD_USER_INPUT', /pixels\[5\]/);
  });

  test('answers a GraphQL-shaped PAYLOAD_TOO_LARGE (HTTP 413) for a body over the limit', async () => {
    const body = JSON.stringify({ query: CLASSIFY, variables: { input: { image: `data:image/png;base64,${'A'.repeat(70 * 1024)}` } } });
    const response = await postGraphQL(server.url, body);
    assert.equal(response.status, 413);
    assert.match(response.headers.get('content-type') ?? '', /json/);
    assert.deepEqual(errorCodes(response), ['PAYLOAD_TOO_LARGE']);
    assert.match(response.errors![0].message, /BODY_LIMIT/);
  });

  test('answers a GraphQL-shaped error for a body that is not JSON', async () => {
    const response = await postGraphQL(server.url, '{"query": ');
    assert.equal(response.status, 400);
    assert.deepEqual(errorCodes(response), ['BAD_REQUEST']);
  });

  test('refuses operations nested deeper than MAX_QUERY_DEPTH', async () => {
    const response = await server.graphql(`query Deep { prediction(id: "x") { model { id } } }`);
    assert.deepEqual(errorCodes(response), ['GRAPHQL_VALIDATION_FAILED']);
    assert.match(response.errors![0].message, /nested 3 fields deep; the limit is 2/);
    const shallow = await server.graphql(`{ prediction(id: "x") { id } }`);
    assert.equal(shallow.errors, undefined);
  });

  test('keeps serving after every refused request', async () => {
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
  });
});

describe('classify without a model', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ model: 'none' });
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('answers MODEL_NOT_READY and stores nothing', async () => {
    const response = await server.graphql(CLASSIFY, { input: { pixels: onePixels() } });
    assert.deepEqual(errorCodes(response), ['MODEL_NOT_READY']);
    assert.match(response.errors![0].message, /healthz/);
    const rows = await server.db.query<{ n: string }>('SELECT count(*) AS n FROM predictions');
    assert.equal(rows[0].n, '0');
  });

  test('reports 503 on /healthz and no active model', async () => {
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 503);
    assert.equal(((await health.json()) as { reason: string }).reason, 'MODEL_NOT_READY');
    const response = await server.graphql<{ activeModel: unknown; models: unknown[] }>(`{ activeModel { id } models { id } }`);
    assert.deepEqual(response.data, { activeModel: null, models: [] });
  });
});
