/**
 * `preview` over real HTTP: the answer `classify` gives for the same drawing,
 * with nothing stored or published, the same refusals, the same rate limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLASSIFY, onePixels, pngDataUrl, SEVEN_STROKES, type ClassifyResult } from './helpers/drawings.js';
import { errorCodes, type GraphQLResponse } from './helpers/graphql.js';
import { subscribe } from './helpers/graphql-ws.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { sampleValue, scrape } from './helpers/prometheus.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PREVIEW = /* GraphQL */ `
  query Preview($input: DrawingInput!) {
    preview(input: $input) {
      digit
      confidence
      probabilities
      pixels
      model { id version status }
    }
  }
`;

interface PreviewResult {
  preview: {
    digit: number;
    confidence: number;
    probabilities: number[];
    pixels: number[];
    model: { id: string; version: number; status: string };
  };
}

const PREDICTION_ADDED = /* GraphQL */ `subscription { predictionAdded { id digit } }`;

const countRows = async (server: TestServer) =>
  (await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM predictions'))[0].n;

/** The code, message and field of each error, to compare two refusals. */
const refusal = (response: GraphQLResponse<unknown>) =>
  (response.errors ?? []).map((error) => ({ code: error.extensions?.code, message: error.message, field: error.extensions?.field }));

describe('preview over HTTP', () => {
  let server: TestServer;

  before(async () => {
    // Small limits so PAYLOAD_TOO_LARGE is cheap to reach.
    server = await startTestServer({ config: { runWorker: false, maxImageBytes: 4096, maxImageSide: 300, maxStrokePoints: 500 } });
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  async function preview(input: Record<string, unknown>): Promise<PreviewResult['preview']> {
    const response = await server.graphql<PreviewResult>(PREVIEW, { input });
    assert.equal(response.status, 200);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data!.preview;
  }

  test('answers exactly what classify answers for strokes, an image and pixels', async () => {
    for (const input of [SEVEN_STROKES, { image: pngDataUrl() }, { pixels: onePixels() }]) {
      const previewed = await preview(input);
      const classified = await server.graphql<ClassifyResult>(CLASSIFY, { input });
      assert.equal(classified.errors, undefined, JSON.stringify(classified.errors));
      const stored = classified.data!.classify;
      // Exact equality: the preview rounds like the float4 columns classify answers from.
      assert.deepEqual(previewed.probabilities, stored.probabilities, 'the same probabilities');
      assert.equal(previewed.digit, stored.digit);
      assert.equal(previewed.confidence, stored.confidence);
      assert.equal(previewed.confidence, previewed.probabilities[previewed.digit]);
      assert.deepEqual(previewed.pixels, stored.pixels, 'the same 28x28 input');
      assert.equal(previewed.pixels.length, 784);
      assert.deepEqual(previewed.model, stored.model);
      assert.equal(previewed.model.status, 'ACTIVE');
    }
  });

  test('stores no prediction and publishes none', async () => {
    const feed = await subscribe<{ predictionAdded: { id: string } }>(server.wsUrl, PREDICTION_ADDED);
    try {
      const before = await countRows(server);
      for (let i = 0; i < 5; i++) await preview(SEVEN_STROKES);
      assert.equal(await countRows(server), before, 'five previews, no row');
      // The feed's next event must be the classify below, not a preview.
      const classified = await server.graphql<ClassifyResult>(CLASSIFY, { input: SEVEN_STROKES });
      const event = await feed.next(5_000);
      assert.equal(event.data?.predictionAdded.id, classified.data!.classify.id);
      assert.equal(await countRows(server), before + 1);
    } finally {
      await feed.close();
    }
  });

  test('refuses bad drawings with the codes, messages and fields classify uses, storing nothing', async () => {
    const before = await countRows(server);
    const manyPoints = Array.from({ length: 501 }, (_, i) => ({ x: 20 + (i % 200), y: 20 + Math.floor(i / 200) * 50 }));
    const cases: Array<[string, Record<string, unknown>]> = [
      ['EMPTY_DRAWING', { strokes: [], width: 280, height: 280 }],
      ['EMPTY_DRAWING', { pixels: new Array(784).fill(0) }],
      ['EMPTY_DRAWING', { image: pngDataUrl(56, 56, true) }],
      ['BAD_USER_INPUT', {}],
      ['BAD_USER_INPUT', { ...SEVEN_STROKES, pixels: onePixels() }],
      ['BAD_USER_INPUT', { strokes: SEVEN_STROKES.strokes, height: 280 }],
      ['BAD_USER_INPUT', { ...SEVEN_STROKES, lineWidth: -3 }],
      ['BAD_USER_INPUT', { pixels: [1, 2, 3] }],
      ['BAD_USER_INPUT', { image: 'not a data url' }],
      ['BAD_USER_INPUT', { strokes: [{ points: [{ x: 10, y: 10 }, { x: 1e12, y: 20 }] }], width: 280, height: 280 }],
      ['PAYLOAD_TOO_LARGE', { strokes: [{ points: manyPoints }], width: 280, height: 280 }],
    ];
    for (const [code, input] of cases) {
      const previewed = await server.graphql(PREVIEW, { input });
      const classified = await server.graphql(CLASSIFY, { input });
      assert.deepEqual(errorCodes(previewed), [code], `${JSON.stringify(input).slice(0, 80)}: ${JSON.stringify(previewed.errors)}`);
      assert.deepEqual(refusal(previewed), refusal(classified), 'the same refusal as classify');
      assert.equal(previewed.status, classified.status);
      assert.equal(previewed.data ?? null, null, 'no data with the error');
    }
    assert.equal(await countRows(server), before);
  });

  test('is measured under operation="preview" in /metrics and counts no prediction', async () => {
    const before = await scrape(server.url);
    await preview({ pixels: onePixels() });
    assert.deepEqual(errorCodes(await server.graphql(PREVIEW, { input: { pixels: [1] } })), ['BAD_USER_INPUT']);
    const after = await scrape(server.url);
    const count = (samples: typeof before, operation: string, outcome: string) =>
      sampleValue(samples, 'mnist_classify_duration_seconds_count', { operation, outcome });
    assert.equal(count(after, 'preview', 'ok') - count(before, 'preview', 'ok'), 1);
    assert.equal(count(after, 'preview', 'rejected') - count(before, 'preview', 'rejected'), 1);
    assert.equal(count(after, 'classify', 'ok') - count(before, 'classify', 'ok'), 0);
    assert.equal(sampleValue(after, 'mnist_predictions_total') - sampleValue(before, 'mnist_predictions_total'), 0);
  });
});

describe('preview without a model', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ model: 'none', config: { runWorker: false } });
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('answers MODEL_NOT_READY like classify', async () => {
    const previewed = await server.graphql(PREVIEW, { input: SEVEN_STROKES });
    const classified = await server.graphql(CLASSIFY, { input: SEVEN_STROKES });
    assert.deepEqual(errorCodes(previewed), ['MODEL_NOT_READY']);
    assert.deepEqual(refusal(previewed), refusal(classified));
  });
});

describe('preview under the classify rate limit', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ config: { runWorker: false, classifyRateLimit: 3, rateLimitStore: 'memory' } });
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('shares the classify budget per address: RATE_LIMITED with HTTP 429 and Retry-After once it is spent', async () => {
    const input = { input: { pixels: onePixels() } };
    for (const query of [PREVIEW, CLASSIFY, PREVIEW]) {
      const ok = await server.graphql(query, input);
      assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
    }
    const stored = await countRows(server);
    const refused = await server.graphql(PREVIEW, input);
    assert.equal(refused.status, 429);
    assert.deepEqual(errorCodes(refused), ['RATE_LIMITED']);
    const retryAfter = Number(refused.errors![0].extensions?.retryAfter);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `retryAfter ${retryAfter}`);
    assert.equal(refused.headers.get('retry-after'), String(retryAfter));
    assert.equal(refused.errors![0].extensions?.limit, 'classify');
    assert.match(refused.errors![0].message, /Too many `preview` calls .*`classify` limit.*at most 3 per 1 min\. Retry in \d+ s/);
    // Previews spent classify's budget too.
    assert.deepEqual(errorCodes(await server.graphql(CLASSIFY, input)), ['RATE_LIMITED']);
    assert.equal(await countRows(server), stored);
    const samples = await scrape(server.url);
    assert.equal(sampleValue(samples, 'mnist_rate_limited_total', { limit: 'classify' }), 2);
  });
});
