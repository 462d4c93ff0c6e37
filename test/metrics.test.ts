import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLASSIFY, onePixels, SEVEN_STROKES, type ClassifyResult } from './helpers/drawings.js';
import { subscribe } from './helpers/graphql-ws.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { classifyAs } from './helpers/predictions.js';
import { hasSample, sampleValue, scrape } from './helpers/prometheus.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const LABEL = /* GraphQL */ `mutation($id: ID!, $label: Int!) { labelPrediction(id: $id, label: $label) { id } }`;
const CLEAR = /* GraphQL */ `mutation($id: ID!) { clearLabel(id: $id) { id } }`;
const PREVIEW = /* GraphQL */ `query($input: DrawingInput!) { preview(input: $input) { digit } }`;
const METRICS_TOKEN = 'metrics-token-0123456789';

describe('GET /metrics', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('serves process, event-loop, TensorFlow.js, training and queue series in Prometheus text format', async () => {
    const response = await fetch(`${server.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(response.headers.get('set-cookie'), null, 'scrapers get no client-id cookie');
    const samples = await scrape(server.url);
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'mnist_tfjs_tensors',
      'mnist_tfjs_bytes',
    ]) {
      assert.ok(hasSample(samples, name), `${name} is exported`);
    }
    assert.ok(sampleValue(samples, 'mnist_tfjs_tensors') > 0, 'the loaded model holds tensors');
    assert.equal(sampleValue(samples, 'mnist_model_active_version'), 1);
    assert.equal(sampleValue(samples, 'mnist_database_up'), 1);
    for (const status of ['queued', 'running', 'completed', 'failed', 'cancelled']) {
      assert.ok(samples.some((s) => s.name === 'mnist_training_jobs' && s.labels.status === status), `training jobs ${status}`);
    }
    for (const state of ['waiting', 'scheduled', 'running', 'failed']) {
      assert.ok(samples.some((s) => s.name === 'mnist_queue_jobs' && s.labels.state === state), `queue ${state}`);
    }
  });

  test('counts predictions by digit and model version, over HTTP and WebSocket, with their latency', async () => {
    const before = await scrape(server.url);
    const http = await server.graphql<ClassifyResult>(CLASSIFY, { input: { pixels: onePixels() } });
    assert.equal(http.errors, undefined, JSON.stringify(http.errors));
    const digit = String(http.data!.classify.digit);
    // A one-shot mutation over graphql-ws: the same field, the same counters.
    const ws = await subscribe<ClassifyResult>(server.wsUrl, CLASSIFY, { variables: { input: { pixels: onePixels() } } });
    try {
      const result = await ws.next();
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    } finally {
      await ws.close();
    }
    // The model-version lookup resolves after the answer; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await scrape(server.url);
    const predicted = (s: typeof before) => sampleValue(s, 'mnist_predictions_total', { digit, model_version: '1' });
    assert.equal(predicted(after) - predicted(before), 2);
    const ok = (s: typeof before) => sampleValue(s, 'mnist_classify_duration_seconds_count', { outcome: 'ok' });
    assert.equal(ok(after) - ok(before), 2);
    assert.ok(sampleValue(after, 'mnist_classify_duration_seconds_sum', { outcome: 'ok' }) > 0);
    const graphqlRequests = (s: typeof before) =>
      sampleValue(s, 'http_request_duration_seconds_count', { method: 'POST', route: '/graphql', status: '200' });
    assert.ok(graphqlRequests(after) - graphqlRequests(before) >= 1);
  });

  test('measures how many points the drawings sent to classify and preview have, leaving out images and pixels', async () => {
    const points = SEVEN_STROKES.strokes.reduce((sum, stroke) => sum + stroke.points.length, 0);
    const before = await scrape(server.url);
    for (const [query, input] of [[CLASSIFY, SEVEN_STROKES], [PREVIEW, SEVEN_STROKES], [PREVIEW, SEVEN_STROKES], [CLASSIFY, { pixels: onePixels() }]] as const) {
      const response = await server.graphql(query, { input });
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    }
    const after = await scrape(server.url);
    const change = (name: string, operation: string) => sampleValue(after, name, { operation }) - sampleValue(before, name, { operation });
    assert.equal(change('mnist_drawing_points_count', 'classify'), 1, 'one stroke drawing classified (the pixels are not counted)');
    assert.equal(change('mnist_drawing_points_sum', 'classify'), points);
    assert.equal(change('mnist_drawing_points_count', 'preview'), 2);
    assert.equal(change('mnist_drawing_points_sum', 'preview'), 2 * points);
  });

  test('counts refused classify calls as rejected, with their error code', async () => {
    const before = await scrape(server.url);
    const response = await server.graphql(CLASSIFY, { input: { pixels: [1, 2, 3] } });
    assert.equal(response.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const after = await scrape(server.url);
    const rejected = (s: typeof before) => sampleValue(s, 'mnist_classify_duration_seconds_count', { outcome: 'rejected' });
    assert.equal(rejected(after) - rejected(before), 1);
    const code = (s: typeof before) => sampleValue(s, 'mnist_graphql_errors_total', { code: 'BAD_USER_INPUT' });
    assert.equal(code(after) - code(before), 1);
  });

  test('counts labels set, by digit, and labels cleared', async () => {
    const as = { headers: { 'x-client-id': 'metrics-client-1' } };
    const id = await classifyAs(server, 'metrics-client-1');
    const before = await scrape(server.url);
    assert.equal((await server.graphql(LABEL, { id, label: 4 }, as)).errors, undefined);
    assert.equal((await server.graphql(CLEAR, { id }, as)).errors, undefined);
    const after = await scrape(server.url);
    const set = (s: typeof before) => sampleValue(s, 'mnist_labels_total', { action: 'set', label: '4' });
    const cleared = (s: typeof before) => sampleValue(s, 'mnist_labels_total', { action: 'cleared' });
    assert.equal(set(after) - set(before), 1);
    assert.equal(cleared(after) - cleared(before), 1);
  });

  test('counts open graphql-ws connections', async () => {
    const subscription = await subscribe(server.wsUrl, 'subscription { predictionAdded { id } }');
    try {
      assert.ok(sampleValue(await scrape(server.url), 'mnist_ws_connections') >= 1);
    } finally {
      await subscription.close();
    }
  });

  test('reads training jobs and the queue from the database', async () => {
    await server.db.query(
      `INSERT INTO training_jobs (status, params, started_at, finished_at, attempts)
       VALUES ('failed', '{}', now() - interval '95 seconds', now(), 1)`,
    );
    const samples = await scrape(server.url);
    assert.equal(sampleValue(samples, 'mnist_training_jobs', { status: 'failed' }), 1);
    assert.equal(sampleValue(samples, 'mnist_training_job_duration_seconds_count', { status: 'failed' }), 1);
    assert.equal(sampleValue(samples, 'mnist_training_job_duration_seconds_bucket', { status: 'failed', le: '60' }), 0);
    assert.equal(sampleValue(samples, 'mnist_training_job_duration_seconds_bucket', { status: 'failed', le: '120' }), 1);
  });
});

describe('GET /metrics with METRICS_TOKEN set', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ config: { metricsToken: METRICS_TOKEN } });
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('answers 401 UNAUTHENTICATED without the token and the metrics with it', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-0123456789' }]) {
      const response = await fetch(`${server.url}/metrics`, { headers });
      assert.equal(response.status, 401);
      const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      assert.equal(body.errors[0].extensions.code, 'UNAUTHENTICATED');
      assert.match(body.errors[0].message, /Authorization: Bearer <METRICS_TOKEN>/);
    }
    const samples = await scrape(server.url, { authorization: `Bearer ${METRICS_TOKEN}` });
    assert.ok(hasSample(samples, 'process_cpu_seconds_total'));
  });
});
