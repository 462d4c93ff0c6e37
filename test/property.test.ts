/**
 * Property tests of classify's input validation, end to end: 10,000
 * generated DrawingInputs (most of them hostile: NaN and infinite
 * coordinates, empty and oversized strokes, malformed and oversized images,
 * wrong pixel counts, several sources at once) through the service layer
 * with a real model and database, and 300 of them over real HTTP. Each one
 * either gets a stored prediction or a clear client error code; nothing is
 * stored for a refused input. (Preprocessing alone has its own property test
 * in `server/src/ml/preprocess/`.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { GraphQLError } from 'graphql';
import { PNG } from 'pngjs';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../server/src/config.js';
import { createDataSource } from '../server/src/db/data-source.js';
import { createAppPubSub } from '../server/src/graphql/pubsub.js';
import { createLogger } from '../server/src/logger.js';
import { ClassifierService } from '../server/src/services/classifier.service.js';
import type { Drawing } from '../server/src/services/drawing-input.js';
import { ModelService } from '../server/src/services/model.service.js';
import { PredictionService } from '../server/src/services/prediction.service.js';
import { DrawingInputPool } from '../server/src/services/drawing-input.pool.js';
import { CLASSIFY } from './helpers/drawings.js';
import { postGraphQL } from './helpers/graphql.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SERVICE_RUNS = 10_000;
const HTTP_RUNS = 300;
const CLIENT_CODES = new Set(['BAD_USER_INPUT', 'EMPTY_DRAWING', 'PAYLOAD_TOO_LARGE']);
const limits = loadConfig({});

/** Any float, often a hostile one. */
const anyNumber = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -50, max: 400, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e308, -1e308, 2e6, -0) },
  { weight: 1, arbitrary: fc.double() },
);
const optionalInt = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer({ min: -5, max: 3000 }), fc.constantFrom(280, 280, 280));
const point = fc.record({ x: anyNumber, y: anyNumber });
const stroke = fc.record({ points: fc.array(point, { maxLength: 40 }) });
/** Over MAX_STROKE_POINTS (10,000) points in one stroke, built once. */
const HUGE_STROKE = { points: Array.from({ length: limits.maxStrokePoints + 1 }, (_, i) => ({ x: i % 280, y: (i * 7) % 280 })) };

const strokesInput = fc.record(
  {
    strokes: fc.oneof({ weight: 8, arbitrary: fc.array(stroke, { maxLength: 6 }) }, { weight: 1, arbitrary: fc.constant([HUGE_STROKE]) }),
    width: optionalInt,
    height: optionalInt,
    lineWidth: fc.oneof(fc.constant(undefined), fc.constant(null), anyNumber),
  },
  { requiredKeys: ['strokes'] },
);

/** A PNG data URL of random size and content (possibly all one colour). */
const pngImage = fc
  .record({ width: fc.integer({ min: 1, max: 48 }), height: fc.integer({ min: 1, max: 48 }), bytes: fc.uint8Array({ minLength: 16, maxLength: 16 }), flat: fc.boolean() })
  .map(({ width, height, bytes, flat }) => {
    const png = new PNG({ width, height });
    for (let i = 0; i < width * height * 4; i++) png.data[i] = flat ? 200 : bytes[(i * 31 + (i >> 5)) % 16];
    return PNG.sync.write(png);
  });
/** A PNG header claiming a huge image, with no data behind it. */
const hugePngHeader = fc.constantFrom(100_000, 5_000, 65_535).map((side) => {
  const png = PNG.sync.write(new PNG({ width: 1, height: 1 }));
  png.writeUInt32BE(side, 16);
  png.writeUInt32BE(side, 20);
  return png;
});
const imageInput = fc.record({
  image: fc.oneof(
    { weight: 4, arbitrary: pngImage.map((b) => `data:image/png;base64,${b.toString('base64')}`) },
    { weight: 1, arbitrary: pngImage.map((b) => `data:image/png;base64,${b.subarray(0, Math.max(8, b.length >> 1)).toString('base64')}`) },
    { weight: 1, arbitrary: hugePngHeader.map((b) => `data:image/png;base64,${b.toString('base64')}`) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => `data:image/jpeg;base64,${Buffer.from(b).toString('base64')}`) },
    { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
    { weight: 1, arbitrary: fc.constantFrom('', 'data:', 'data:image/png;base64,', 'data:image/gif;base64,R0lGOD', 'data:image/png;base64,!!!!') },
  ),
});
const pixelsInput = fc.record({
  pixels: fc.oneof(
    { weight: 3, arbitrary: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 784, maxLength: 784 }) },
    { weight: 2, arbitrary: fc.array(anyNumber, { minLength: 784, maxLength: 784 }) },
    { weight: 2, arbitrary: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 900 }) },
    { weight: 1, arbitrary: fc.constant(new Array<number>(784).fill(0)) },
  ),
});
/** Several sources, or none. */
const confusedInput = fc.oneof(
  fc.constant({}),
  fc.constant({ strokes: null, image: null, pixels: null }),
  fc.tuple(strokesInput, imageInput, pixelsInput, fc.integer({ min: 1, max: 3 })).map(([s, i, p, mix]) => (mix === 1 ? { ...s, ...i } : mix === 2 ? { ...i, ...p } : { ...s, ...i, ...p })),
);

const drawingInput: fc.Arbitrary<Drawing> = fc.oneof(
  { weight: 4, arbitrary: strokesInput },
  { weight: 3, arbitrary: imageInput },
  { weight: 3, arbitrary: pixelsInput },
  { weight: 1, arbitrary: confusedInput },
) as fc.Arbitrary<Drawing>;

/** JSON for an HTTP body, with non-finite numbers written as JSON can: ±1e999 parses back to ±Infinity, NaN as null. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? null : v > 0 ? '__+INF__' : '__-INF__') : v,
  )
    .replaceAll('"__+INF__"', '1e999')
    .replaceAll('"__-INF__"', '-1e999');
}

describe('classify input validation, property-based', () => {
  let server: TestServer;
  let dataSource: DataSource;
  let classifier: ClassifierService;
  let predictions: PredictionService;
  let drawingInputs: DrawingInputPool;
  const rows = async () => Number((await server.db.query<{ n: string }>('SELECT count(*) AS n FROM predictions'))[0].n);

  before(async () => {
    server = await startTestServer({ config: { runWorker: false, classifyRateLimit: 0 } });
    // The service layer on its own connection to the same database and model.
    const logger = createLogger({ logLevel: 'silent', nodeEnv: 'test' });
    dataSource = createDataSource(server.db.url);
    await dataSource.initialize();
    classifier = new ClassifierService(new ModelService(dataSource, logger), logger);
    await classifier.loadActive();
    // Images go through the worker pool, as in the server: refusals must keep their code and message across it.
    drawingInputs = new DrawingInputPool(limits, { threads: 1 });
    predictions = new PredictionService(dataSource, classifier, createAppPubSub(), drawingInputs, logger);
  });
  after(async () => {
    classifier?.dispose();
    await drawingInputs?.close();
    if (dataSource?.isInitialized) await dataSource.destroy();
    await server?.close();
    await assertNoOpenHandles();
  });

  test(`${SERVICE_RUNS} generated drawings through the service: a stored prediction or a client error code, never a crash`, async (t) => {
    const outcomes = new Map<string, number>();
    const before = await rows();
    await fc.assert(
      fc.asyncProperty(drawingInput, async (drawing) => {
        let outcome: string;
        try {
          const record = await predictions.classify(drawing, 'property-test');
          assert.equal(record.probabilities.length, 10);
          assert.ok(record.probabilities.every((p) => Number.isFinite(p) && p >= 0 && p <= 1));
          assert.ok(Number.isInteger(record.digit) && record.digit >= 0 && record.digit <= 9);
          outcome = 'stored';
        } catch (error) {
          assert.ok(error instanceof GraphQLError, `not a GraphQLError: ${String(error)}`);
          const code = String(error.extensions.code);
          assert.ok(CLIENT_CODES.has(code), `unexpected code ${code}: ${error.message}`);
          assert.ok(error.message.length > 15, `an unhelpful message: ${error.message}`);
          outcome = code;
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      { numRuns: SERVICE_RUNS, seed: 20_261_128 },
    );
    const summary = JSON.stringify(Object.fromEntries(outcomes));
    t.diagnostic(`outcomes: ${summary}`);
    assert.equal(await rows(), before + (outcomes.get('stored') ?? 0), `exactly the accepted drawings were stored: ${summary}`);
    for (const kind of ['stored', 'BAD_USER_INPUT', 'EMPTY_DRAWING', 'PAYLOAD_TOO_LARGE']) {
      assert.ok((outcomes.get(kind) ?? 0) > 20, `the generator reaches ${kind}: ${summary}`);
    }
  });

  test(`${HTTP_RUNS} of them over HTTP: data or a clear error code, never a 5xx, nothing stored when refused`, async (t) => {
    const samples = fc.sample(drawingInput, { numRuns: HTTP_RUNS, seed: 1_128 });
    const outcomes = new Map<string, number>();
    const before = await rows();
    let stored = 0;
    for (const drawing of samples) {
      const body = `{"query":${JSON.stringify(CLASSIFY)},"variables":{"input":${toJson(drawing)}}}`;
      const response = await postGraphQL<{ classify: { id: string } | null }>(server.url, body);
      assert.ok(response.status < 500, `HTTP ${response.status}: ${JSON.stringify(response.errors)}`);
      if (response.data?.classify) {
        assert.equal(response.status, 200);
        stored++;
        outcomes.set('stored', (outcomes.get('stored') ?? 0) + 1);
        continue;
      }
      const code = String(response.errors?.[0]?.extensions?.code);
      // Apollo answers values GraphQL itself cannot coerce (null or ±Infinity for a Float) with BAD_USER_INPUT.
      assert.ok(CLIENT_CODES.has(code), `unexpected ${response.status} ${code}: ${response.errors?.[0]?.message}`);
      outcomes.set(`${response.status} ${code}`, (outcomes.get(`${response.status} ${code}`) ?? 0) + 1);
    }
    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
    assert.equal(await rows(), before + stored, 'exactly the answered drawings were stored');
    assert.ok(stored > 10 && stored < HTTP_RUNS, 'the sample holds both kinds');
  });
});
