import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertNoOpenHandles } from './helpers/handles.js';
import { seedPredictions } from './helpers/predictions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface ImportAnswer {
  imported?: number;
  errors?: Array<{ message: string; extensions: { code: string } }>;
}

const TOKEN = 'import-test-admin-token-0123456789';

describe('importing an exported CSV', () => {
  let source: TestServer;
  let target: TestServer;
  let csv: string;

  const post = async (server: TestServer, body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}/import/user-dataset.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${TOKEN}`, 'x-client-id': 'importer-01', ...headers },
      body,
    });
    return { status: response.status, body: (await response.json()) as ImportAnswer };
  };
  const lines = (text: string) => text.split('\n').slice(1, -1).sort();
  const stored = async () => Number((await target.db.query<{ n: string }>('SELECT count(*) AS n FROM predictions'))[0].n);

  before(async () => {
    source = await startTestServer();
    target = await startTestServer({ config: { adminToken: TOKEN } });
    await seedPredictions(source.db, { count: 300, clientId: 'someone-else', label: '(i * 7) % 10' });
    csv = await (await fetch(`${source.url}/export/user-dataset.csv`)).text();
  });
  after(async () => {
    await Promise.all([source?.close(), target?.close()]);
    await assertNoOpenHandles();
  });

  test('stores every drawing of an export, labelled and classified by the active model, owned by the importer', async () => {
    const answer = await post(target, csv);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, { imported: 300 });
    const exported = await (await fetch(`${target.url}/export/user-dataset.csv`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    assert.deepEqual(lines(exported), lines(csv), 'the same drawings and labels come back out');
    const rows = await target.db.query<{ client_id: string; digit: number; probabilities: number[]; input_kind: string }>(
      'SELECT client_id, digit, probabilities, input_kind FROM predictions',
    );
    assert.ok(rows.every((r) => r.client_id === 'importer-01' && r.input_kind === 'pixels'));
    assert.ok(rows.every((r) => r.probabilities.length === 10 && r.digit === r.probabilities.indexOf(Math.max(...r.probabilities))));
  });

  test('accepts a file without header and with CRLF line ends', async () => {
    const body = csv.split('\n').slice(1, 4).join('\r\n');
    const answer = await post(target, body);
    assert.deepEqual(answer.body, { imported: 3 });
  });

  // Each bad file has its bad line after 280 good ones (more than one insert batch), which must be rolled back too.
  const bad: Array<[string, (header: string, good: string[]) => string, RegExp]> = [
    ['a line with too few values', (header, good) => [header, ...good, '3,0,0'].join('\n'), /line 282: expects a label and 784 pixel values/],
    ['a label of 10', (header, good) => [header, ...good, `10${good[0].slice(1)}`].join('\n'), /line 282: the label must be an integer from 0 to 9, got "10"/],
    ['a pixel of 256', (header, good) => [header, ...good, good[0].replace(/,0$/, ',256')].join('\n'), /line 282: pixel 784 must be an integer from 0 to 255, got "256"/],
    ['a pixel that is no integer', (header, good) => [header, ...good, good[0].replace(/,0$/, ',0.5')].join('\n'), /line 282: pixel 784 must be an integer/],
    ['a wrong header', (_header, good) => ['label,a,b', ...good].join('\n'), /line 1: a header must read label,1x1/],
    ['an empty file', () => '', /the file holds no drawings/],
  ];
  for (const [name, make, message] of bad) {
    test(`refuses ${name} with 400 BAD_USER_INPUT naming the line, and stores nothing`, async () => {
      const before = await stored();
      const [header, ...rows] = csv.split('\n').slice(0, -1);
      const answer = await post(target, make(header, rows.slice(0, 280)));
      assert.equal(answer.status, 400);
      assert.equal(answer.body.errors?.[0].extensions.code, 'BAD_USER_INPUT');
      assert.match(answer.body.errors![0].message, message);
      assert.equal(await stored(), before);
    });
  }

  test('refuses anything but text/csv with 415', async () => {
    const response = await fetch(`${target.url}/import/user-dataset.csv`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: '{}',
    });
    assert.equal(response.status, 415);
  });

  test('needs the admin token when one is configured', async () => {
    const before = await stored();
    const answer = await post(target, csv, { authorization: '' });
    assert.equal(answer.status, 401);
    assert.equal(answer.body.errors?.[0].extensions.code, 'UNAUTHENTICATED');
    assert.equal(await stored(), before);
  });

  test('answers 503 MODEL_NOT_READY without a model, storing nothing', async () => {
    const bare = await startTestServer({ model: 'none' });
    try {
      const answer = await post(bare, csv);
      assert.equal(answer.status, 503);
      assert.equal(answer.body.errors?.[0].extensions.code, 'MODEL_NOT_READY');
    } finally {
      await bare.close();
    }
  });
});
