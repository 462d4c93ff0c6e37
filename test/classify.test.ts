import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoOpenHandles } from './helpers/handles.js';
import { CLASSIFY, onePixels, pngDataUrl, SEVEN_STROKES, type ClassifyResult } from './helpers/drawings.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface PredictionRow {
  id: string;
  model_version_id: string;
  client_id: string | null;
  pixels: Buffer;
  probabilities: number[];
  digit: number;
  confidence: number;
  label: number | null;
  input_kind: string;
}

describe('classify over HTTP', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  /** Classifies, checks the answer's shape, and returns it with the row stored for it. */
  async function classify(input: Record<string, unknown>, headers?: Record<string, string>) {
    const response = await server.graphql<ClassifyResult>(CLASSIFY, { input }, { headers });
    assert.equal(response.status, 200);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const prediction = response.data!.classify;
    assert.equal(prediction.probabilities.length, 10);
    assert.ok(prediction.probabilities.every((p) => p >= 0 && p <= 1));
    const sum = prediction.probabilities.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `probabilities sum to ${sum}`);
    assert.equal(prediction.digit, prediction.probabilities.indexOf(Math.max(...prediction.probabilities)));
    assert.equal(prediction.confidence, prediction.probabilities[prediction.digit]);
    assert.equal(prediction.pixels.length, 784);
    assert.ok(prediction.pixels.every((p) => p >= 0 && p <= 1));
    assert.ok(prediction.pixels.some((p) => p > 0.5), 'the stored input has ink');
    assert.equal(prediction.label, null);
    assert.equal(prediction.model.version, 1);
    assert.equal(prediction.model.status, 'ACTIVE');
    const rows = await server.db.query<PredictionRow>('SELECT * FROM predictions WHERE id = $1', [prediction.id]);
    assert.equal(rows.length, 1, 'the prediction is stored');
    return { prediction, row: rows[0] };
  }

  test('classifies strokes and stores the 28x28 input it saw', async () => {
    const { prediction, row } = await classify(SEVEN_STROKES);
    assert.equal(prediction.inputKind, 'STROKES');
    assert.equal(row.input_kind, 'strokes');
    assert.equal(row.pixels.length, 784);
    assert.deepEqual(
      Array.from(row.pixels, (byte) => byte / 255),
      prediction.pixels,
      'the answer carries exactly the stored pixels',
    );
    assert.deepEqual(row.probabilities, prediction.probabilities);
    assert.equal(row.digit, prediction.digit);
    assert.equal(row.model_version_id, prediction.model.id);
  });

  test('classifies a PNG image given as a data URL', async () => {
    const { prediction, row } = await classify({ image: pngDataUrl() });
    assert.equal(prediction.inputKind, 'IMAGE');
    assert.equal(row.input_kind, 'image');
  });

  test('classifies MNIST pixels and stores them to within one 255th', async () => {
    const pixels = onePixels();
    const { prediction, row } = await classify({ pixels });
    assert.equal(prediction.inputKind, 'PIXELS');
    assert.equal(row.input_kind, 'pixels');
    assert.deepEqual(Array.from(row.pixels), pixels.map((p) => p * 255));
  });

  test('records the x-client-id header with the prediction', async () => {
    const { row } = await classify({ pixels: onePixels() }, { 'x-client-id': 'client-abc' });
    assert.equal(row.client_id, 'client-abc');
  });

  test('answers the same prediction again by id to the client that made it', async () => {
    const headers = { 'x-client-id': 'client-abc' };
    const { prediction } = await classify(SEVEN_STROKES, headers);
    const response = await server.graphql<{ prediction: ClassifyResult['classify'] }>(
      `query ($id: ID!) { prediction(id: $id) { id digit confidence probabilities label pixels inputKind createdAt model { id version status } } }`,
      { id: prediction.id },
      { headers },
    );
    assert.deepEqual(response.data?.prediction, prediction);
  });

  test('answers null for an unknown or malformed prediction id', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const response = await server.graphql<{ prediction: unknown }>(`query ($id: ID!) { prediction(id: $id) { id } }`, { id });
      assert.equal(response.errors, undefined);
      assert.equal(response.data?.prediction, null);
    }
  });

  test('lists the imported default model as the active version 1', async () => {
    const response = await server.graphql<{
      activeModel: { version: number; status: string; name: string; testAccuracy: number; activatedAt: string; metrics: unknown };
      models: Array<{ version: number }>;
    }>(`{ activeModel { version status name testAccuracy activatedAt metrics recipe lineage backend durationMs createdAt } models { version } }`);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    assert.equal(response.data?.activeModel.version, 1);
    assert.equal(response.data?.activeModel.status, 'ACTIVE');
    assert.equal(response.data?.activeModel.name, 'untrained (test)');
    assert.equal(response.data?.activeModel.testAccuracy, 0.1);
    assert.ok(!Number.isNaN(Date.parse(response.data!.activeModel.activatedAt)));
    assert.deepEqual(response.data?.models, [{ version: 1 }]);
    const rows = await server.db.query<{ n: string }>(`SELECT count(*) AS n FROM model_versions WHERE status = 'active'`);
    assert.equal(rows[0].n, '1');
  });

  test('answers concurrent classifications, each stored once', async () => {
    const before = await server.db.query<{ n: string }>('SELECT count(*) AS n FROM predictions');
    const results = await Promise.all(Array.from({ length: 8 }, () => server.graphql<ClassifyResult>(CLASSIFY, { input: { pixels: onePixels() } })));
    for (const result of results) assert.equal(result.errors, undefined);
    assert.equal(new Set(results.map((r) => r.data!.classify.id)).size, 8);
    const afterRows = await server.db.query<{ n: string }>('SELECT count(*) AS n FROM predictions');
    assert.equal(Number(afterRows[0].n) - Number(before[0].n), 8);
  });
});
