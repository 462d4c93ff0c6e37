import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorCodes } from './helpers/graphql.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { classifyAs } from './helpers/predictions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PERFORMANCE = /* GraphQL */ `
  query Performance($modelId: ID, $from: DateTime, $to: DateTime, $mine: Boolean) {
    performance(modelId: $modelId, from: $from, to: $to, mine: $mine) {
      labeledCount correctCount accuracy macroF1 bucket
      perClass { digit precision recall f1 support }
      confusionMatrix
      overTime { bucketStart count correctCount accuracy }
      byModel { model { id version } labeledCount correctCount accuracy }
    }
  }
`;

interface Report {
  labeledCount: number;
  correctCount: number;
  accuracy: number | null;
  macroF1: number | null;
  bucket: string;
  perClass: Array<{ digit: number; precision: number | null; recall: number | null; f1: number | null; support: number }>;
  confusionMatrix: number[][];
  overTime: Array<{ bucketStart: string; count: number; correctCount: number; accuracy: number }>;
  byModel: Array<{ model: { id: string; version: number }; labeledCount: number; correctCount: number; accuracy: number | null }>;
}

/** One stored prediction: [true label or null, the model's answer, client, model version 1 or 2, created at]. */
type Row = [number | null, number, string, 1 | 2, string];

const A = 'perf-client-a';
const B = 'perf-client-b';

/**
 * A small labelled history with hand-checkable figures:
 * - v1, client A, 2025-06-01: 1→1, 1→1, 1→7, 7→7, 7→1 (3 of 5 right);
 * - v1, client B, 2025-06-03: 3→3, 3→3, 8→3 (2 of 3 right), one unlabelled 5;
 * - v2, client A, 2025-06-10: 0→0, 0→0, 9→4 (2 of 3 right).
 */
const ROWS: Row[] = [
  [1, 1, A, 1, '2025-06-01T08:10:00Z'],
  [1, 1, A, 1, '2025-06-01T08:20:00Z'],
  [1, 7, A, 1, '2025-06-01T09:05:00Z'],
  [7, 7, A, 1, '2025-06-01T09:30:00Z'],
  [7, 1, A, 1, '2025-06-01T23:59:59.999Z'],
  [3, 3, B, 1, '2025-06-03T10:00:00Z'],
  [3, 3, B, 1, '2025-06-03T10:00:01Z'],
  [8, 3, B, 1, '2025-06-03T11:00:00Z'],
  [null, 5, B, 1, '2025-06-03T12:00:00Z'],
  [0, 0, A, 2, '2025-06-10T00:00:00Z'],
  [0, 0, A, 2, '2025-06-10T01:00:00Z'],
  [9, 4, A, 2, '2025-06-10T02:00:00Z'],
];

describe('live performance from labels', () => {
  let server: TestServer;
  const versions: Record<1 | 2, string> = { 1: '', 2: '' };
  const performance = async (variables: Record<string, unknown> = {}, clientId?: string) => {
    const response = await server.graphql<{ performance: Report }>(PERFORMANCE, variables, clientId ? { headers: { 'x-client-id': clientId } } : {});
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data!.performance;
  };

  before(async () => {
    server = await startTestServer();
    versions[1] = (await server.db.query<{ id: string }>('SELECT id FROM model_versions WHERE version = 1'))[0].id;
    versions[2] = (
      await server.db.query<{ id: string }>(
        `INSERT INTO model_versions (version, name, status, topology, weight_specs, weights)
         SELECT 2, 'second', 'candidate', topology, weight_specs, weights FROM model_versions WHERE version = 1 RETURNING id`,
      )
    )[0].id;
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('answers zeros, nulls and a 10x10 zero matrix before anything is labelled', async () => {
    const report = await performance();
    assert.equal(report.labeledCount, 0);
    assert.equal(report.accuracy, null);
    assert.equal(report.macroF1, null);
    assert.deepEqual(report.confusionMatrix, Array.from({ length: 10 }, () => new Array(10).fill(0)));
    assert.deepEqual(report.perClass[4], { digit: 4, precision: null, recall: null, f1: null, support: 0 });
    assert.deepEqual(report.overTime, []);
    assert.deepEqual(report.byModel, []);
  });

  test('computes accuracy, the confusion matrix and per-class precision, recall and F1 over every client', async () => {
    await server.db.query(
      `INSERT INTO predictions (model_version_id, client_id, pixels, probabilities, digit, confidence, label, input_kind, created_at, labeled_at)
       SELECT m, c, decode(repeat('00', 784), 'hex'), array_fill(0.1::real, ARRAY[10]), d, 0.1, l, 'pixels', t, CASE WHEN l IS NULL THEN NULL ELSE t END
       FROM unnest($1::smallint[], $2::smallint[], $3::text[], $4::uuid[], $5::timestamptz[]) AS r(l, d, c, m, t)`,
      [ROWS.map((r) => r[0]), ROWS.map((r) => r[1]), ROWS.map((r) => r[2]), ROWS.map((r) => versions[r[3]]), ROWS.map((r) => r[4])],
    );
    const report = await performance();
    assert.equal(report.labeledCount, 11);
    assert.equal(report.correctCount, 7);
    assert.equal(report.accuracy, 7 / 11);
    const expected = Array.from({ length: 10 }, () => new Array(10).fill(0));
    for (const [label, digit] of ROWS) if (label !== null) expected[label][digit]++;
    assert.deepEqual(report.confusionMatrix, expected);
    assert.equal(report.confusionMatrix[1][7], 1, 'rows are true labels, columns answers');
    // Digit 1: labelled 3 times, answered right twice; answered 1 three times, once wrongly (a 7).
    assert.deepEqual(report.perClass[1], { digit: 1, precision: 2 / 3, recall: 2 / 3, f1: 2 / 3, support: 3 });
    // Digit 3: precision 2/3 (an 8 was called 3), recall 1.
    const three = report.perClass[3];
    assert.equal(three.precision, 2 / 3);
    assert.equal(three.recall, 1);
    assert.ok(Math.abs(three.f1! - 0.8) < 1e-12);
    // Digit 8 and 9: labelled, never right: recall 0, precision undefined (never answered) -> null, F1 null.
    assert.deepEqual(report.perClass[8], { digit: 8, precision: null, recall: 0, f1: null, support: 1 });
    // Digit 4: answered once (wrongly), never labelled: precision 0, recall null.
    assert.deepEqual(report.perClass[4], { digit: 4, precision: 0, recall: null, f1: null, support: 0 });
    const f1s = report.perClass.map((c) => c.f1).filter((f): f is number => f !== null);
    assert.ok(Math.abs(report.macroF1! - f1s.reduce((a, b) => a + b, 0) / f1s.length) < 1e-12);
  });

  test('compares the model versions on the drawings each answered', async () => {
    const { byModel } = await performance();
    assert.deepEqual(
      byModel.map((m) => [m.model.version, m.labeledCount, m.correctCount, m.accuracy]),
      [
        [1, 8, 5, 5 / 8],
        [2, 3, 2, 2 / 3],
      ],
    );
    const onlyV2 = await performance({ modelId: versions[2] });
    assert.equal(onlyV2.labeledCount, 3);
    assert.deepEqual(onlyV2.byModel.map((m) => m.model.version), [2]);
  });

  test('buckets accuracy over time by a width that suits the range', async () => {
    // The labelled history spans 9 days: daily buckets, only days with labels.
    const whole = await performance();
    assert.equal(whole.bucket, 'DAY');
    assert.deepEqual(
      whole.overTime.map((b) => [b.bucketStart, b.count, b.correctCount]),
      [
        ['2025-06-01T00:00:00.000Z', 5, 3],
        ['2025-06-03T00:00:00.000Z', 3, 2],
        ['2025-06-10T00:00:00.000Z', 3, 2],
      ],
    );
    assert.equal(whole.overTime[0].accuracy, 3 / 5);
    // One day asked: hourly buckets, and the range bounds apply (from inclusive, to exclusive).
    const day = await performance({ from: '2025-06-01T00:00:00Z', to: '2025-06-02T00:00:00Z' });
    assert.equal(day.bucket, 'HOUR');
    assert.deepEqual(
      day.overTime.map((b) => [b.bucketStart, b.count]),
      [
        ['2025-06-01T08:00:00.000Z', 2],
        ['2025-06-01T09:00:00.000Z', 2],
        ['2025-06-01T23:00:00.000Z', 1],
      ],
    );
    assert.equal(day.labeledCount, 5);
    // A year: weekly buckets starting on Mondays (2025-06-01 was a Sunday).
    const year = await performance({ from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    assert.equal(year.bucket, 'WEEK');
    assert.deepEqual(
      year.overTime.map((b) => [b.bucketStart, b.count]),
      [
        ['2025-05-26T00:00:00.000Z', 5],
        ['2025-06-02T00:00:00.000Z', 3],
        ['2025-06-09T00:00:00.000Z', 3],
      ],
    );
    const decade = await performance({ from: '2020-01-01T00:00:00Z', to: '2030-01-01T00:00:00Z' });
    assert.equal(decade.bucket, 'MONTH');
    assert.deepEqual(decade.overTime.map((b) => [b.bucketStart, b.count]), [['2025-06-01T00:00:00.000Z', 11]]);
  });

  test('with mine: true counts only the caller\'s own labels, and nothing for a caller without any', async () => {
    const mine = await performance({ mine: true }, B);
    assert.equal(mine.labeledCount, 3);
    assert.equal(mine.accuracy, 2 / 3);
    assert.equal(mine.confusionMatrix[8][3], 1);
    const nobody = await performance({ mine: true });
    assert.equal(nobody.labeledCount, 0);
    assert.equal(nobody.accuracy, null);
  });

  test('counts a label the moment it is given', async () => {
    const before = await performance({ mine: true }, 'perf-live-1');
    assert.equal(before.labeledCount, 0);
    const id = await classifyAs(server, 'perf-live-1');
    const labelled = await server.graphql<{ labelPrediction: { digit: number } }>(
      'mutation ($id: ID!) { labelPrediction(id: $id, label: 2) { digit } }',
      { id },
      { headers: { 'x-client-id': 'perf-live-1' } },
    );
    const digit = labelled.data!.labelPrediction.digit;
    const after = await performance({ mine: true }, 'perf-live-1');
    assert.equal(after.labeledCount, 1);
    assert.equal(after.confusionMatrix[2][digit], 1);
    assert.equal(after.accuracy, digit === 2 ? 1 : 0);
  });

  test('shows how sure the model was when right and when wrong, by confidence, over the same filters', async () => {
    const CONFIDENCE = /* GraphQL */ `
      query Confidence($from: DateTime, $to: DateTime, $mine: Boolean) {
        performance(from: $from, to: $to, mine: $mine) {
          labeledCount
          confidence { bins { lo hi correct wrong } meanWhenCorrect meanWhenWrong }
        }
      }
    `;
    type Confidence = {
      labeledCount: number;
      confidence: { bins: Array<{ lo: number; hi: number; correct: number; wrong: number }>; meanWhenCorrect: number | null; meanWhenWrong: number | null };
    };
    // In 2024, before everything above: [label, digit, confidence, client]. 0.5 and 1 sit on bin edges.
    const rows: Array<[number | null, number, number, string]> = [
      [2, 2, 0.99, 'perf-conf-a'],
      [2, 2, 1, 'perf-conf-a'],
      [3, 3, 0.5, 'perf-conf-b'],
      [4, 9, 0.42, 'perf-conf-a'],
      [5, 6, 0.97, 'perf-conf-b'],
      [null, 7, 0.3, 'perf-conf-a'],
    ];
    await server.db.query(
      `INSERT INTO predictions (model_version_id, client_id, pixels, probabilities, digit, confidence, label, input_kind, created_at, labeled_at)
       SELECT $1, c, decode(repeat('00', 784), 'hex'), array_fill(0.1::real, ARRAY[10]), d, conf, l, 'pixels', '2024-03-01T00:00:00Z', CASE WHEN l IS NULL THEN NULL ELSE now() END
       FROM unnest($2::smallint[], $3::smallint[], $4::real[], $5::text[]) AS r(l, d, conf, c)`,
      [versions[1], rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])],
    );
    const ask = async (variables: Record<string, unknown>, clientId?: string) => {
      const response = await server.graphql<{ performance: Confidence }>(CONFIDENCE, variables, clientId ? { headers: { 'x-client-id': clientId } } : {});
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      return response.data!.performance;
    };
    const counts = (report: Confidence) => Object.fromEntries(report.confidence.bins.filter((b) => b.correct + b.wrong > 0).map((b) => [b.lo.toFixed(2), [b.correct, b.wrong]]));

    const year = await ask({ from: '2024-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' });
    assert.equal(year.labeledCount, 5, 'the unlabelled one is not counted');
    const { bins } = year.confidence;
    assert.equal(bins.length, 20);
    assert.deepEqual([bins[0].lo, bins[0].hi, bins[19].lo, bins[19].hi], [0, 0.05, 0.95, 1]);
    assert.deepEqual(counts(year), { '0.40': [0, 1], '0.50': [1, 0], '0.95': [2, 1] });
    assert.equal(bins.reduce((sum, b) => sum + b.correct + b.wrong, 0), year.labeledCount);
    const mean = (values: number[]) => values.map(Math.fround).reduce((a, b) => a + b, 0) / values.length;
    assert.ok(Math.abs(year.confidence.meanWhenCorrect! - mean([0.99, 1, 0.5])) < 1e-9);
    assert.ok(Math.abs(year.confidence.meanWhenWrong! - mean([0.42, 0.97])) < 1e-9);

    const mine = await ask({ from: '2024-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z', mine: true }, 'perf-conf-b');
    assert.deepEqual(counts(mine), { '0.50': [1, 0], '0.95': [0, 1] });
    const empty = await ask({ from: '2023-01-01T00:00:00Z', to: '2024-01-01T00:00:00Z' });
    assert.deepEqual(counts(empty), {});
    assert.equal(empty.confidence.meanWhenCorrect, null);
    assert.equal(empty.confidence.meanWhenWrong, null);
  });

  for (const [variables, field] of [
    [{ modelId: 'v1' }, 'modelId'],
    [{ from: '2025-06-02T00:00:00Z', to: '2025-06-01T00:00:00Z' }, 'from'],
    [{ from: '2025-06-01T00:00:00Z', to: '2025-06-01T00:00:00Z' }, 'from'],
  ] as const) {
    test(`refuses ${JSON.stringify(variables)} with BAD_USER_INPUT naming ${field}`, async () => {
      const response = await server.graphql(PERFORMANCE, variables);
      assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
      assert.equal(response.errors![0].extensions?.field, field);
    });
  }

  test('refuses a time that is no DateTime before running anything', async () => {
    const response = await server.graphql(PERFORMANCE, { from: 'last tuesday' });
    assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
  });
});
