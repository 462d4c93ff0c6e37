import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorCodes } from './helpers/graphql.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { seedPredictions } from './helpers/predictions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const HISTORY = /* GraphQL */ `
  query History($first: Int, $after: String, $filter: PredictionFilter) {
    predictions(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id digit label createdAt mine } }
    }
  }
`;

interface History {
  predictions: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: Array<{ cursor: string; node: { id: string; digit: number; label: number | null; createdAt: string; mine: boolean } }>;
  };
}

const OWNER = 'history-owner';
const OTHER = 'history-other';
const ROWS = 120;
const TIES = 5;
// Row i: digit i % 10; labelled right when i % 3 = 0, wrong when i % 3 = 1, unlabelled when i % 3 = 2.
const LABEL_SQL = 'CASE WHEN i % 3 = 0 THEN i % 10 WHEN i % 3 = 1 THEN (i + 1) % 10 END';

describe('prediction history', () => {
  let server: TestServer;
  /** Every id of OWNER's, in the order the history must give them. */
  let expected: string[];
  const as = { headers: { 'x-client-id': OWNER } };
  const history = (variables: Record<string, unknown>) => server.graphql<History>(HISTORY, variables, as);
  const sqlCount = async (where: string, params: unknown[] = []) =>
    Number(
      (await server.db.query<{ n: string }>(`SELECT count(*) AS n FROM predictions WHERE client_id = $1 AND ${where}`, [OWNER, ...params]))[0].n,
    );

  before(async () => {
    server = await startTestServer();
    await seedPredictions(server.db, {
      count: ROWS,
      clientId: OWNER,
      label: LABEL_SQL,
      createdAt: `timestamptz '2025-06-01 12:00:00+00' - i * interval '1 minute'`,
    });
    // Several rows created in the same microsecond: the id must break the tie, or pages would skip or repeat them.
    await seedPredictions(server.db, { count: TIES, clientId: OWNER, createdAt: `timestamptz '2025-06-01 11:30:00.123456+00'` });
    await seedPredictions(server.db, { count: 30, clientId: OTHER, label: LABEL_SQL });
    expected = (
      await server.db.query<{ id: string }>('SELECT id FROM predictions WHERE client_id = $1 ORDER BY created_at DESC, id DESC', [OWNER])
    ).map((r) => r.id);
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('pages through every own prediction newest first, without gaps or repeats, even within one microsecond', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let after: string | null = null;
    for (;;) {
      const response = await history({ first: 50, after });
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const page = response.data!.predictions;
      assert.equal(page.totalCount, ROWS + TIES);
      sizes.push(page.edges.length);
      seen.push(...page.edges.map((e) => e.node.id));
      assert.ok(page.edges.every((e) => e.node.mine));
      assert.equal(page.pageInfo.endCursor, page.edges.at(-1)?.cursor ?? null);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    assert.deepEqual(sizes, [50, 50, 25]);
    assert.deepEqual(seen, expected);
  });

  test('continues from any edge cursor, not only the end one', async () => {
    const first = (await history({ first: 10 })).data!.predictions;
    const next = (await history({ first: 3, after: first.edges[4].cursor })).data!.predictions;
    assert.deepEqual(
      next.edges.map((e) => e.node.id),
      expected.slice(5, 8),
    );
  });

  test('gives 50 by default, up to 200 on request, and with first: 0 only the count', async () => {
    assert.equal((await history({})).data!.predictions.edges.length, 50);
    const all = (await history({ first: 200 })).data!.predictions;
    assert.equal(all.edges.length, ROWS + TIES);
    assert.equal(all.pageInfo.hasNextPage, false);
    const none = (await history({ first: 0 })).data!.predictions;
    assert.deepEqual({ count: none.totalCount, edges: none.edges.length, next: none.pageInfo.hasNextPage, end: none.pageInfo.endCursor }, {
      count: ROWS + TIES,
      edges: 0,
      next: true,
      end: null,
    });
  });

  for (const first of [201, 10_000, -1]) {
    test(`refuses first: ${first} with BAD_USER_INPUT`, async () => {
      const response = await history({ first });
      assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
      assert.match(response.errors![0].message, /first must be an integer from 0 to 200/);
      assert.equal(response.errors![0].extensions?.field, 'first');
    });
  }

  const forged: Array<[string, string]> = [
    ['text that is no base64url', 'not a cursor'],
    ['a cursor without an id', Buffer.from('["2025-06-01T12:00:00.000000Z"]').toString('base64url')],
    ['a cursor with a malformed id', Buffer.from('["2025-06-01T12:00:00.000000Z","not-a-uuid"]').toString('base64url')],
    ['a cursor with a malformed time', Buffer.from('["yesterday","00000000-0000-4000-8000-000000000000"]').toString('base64url')],
    ['base64url of other JSON', Buffer.from('{"t":1}').toString('base64url')],
    ['a 300-character string', 'A'.repeat(300)],
  ];
  for (const [name, after] of forged) {
    test(`refuses ${name} as a cursor with BAD_USER_INPUT`, async () => {
      const response = await history({ after });
      assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
      assert.equal(response.errors![0].extensions?.field, 'after');
    });
  }

  test('filters by digit, label, correctness, labelling, model and time, and counts what matches', async () => {
    const [{ id: model }] = await server.db.query<{ id: string }>('SELECT id FROM model_versions WHERE version = 1');
    const cases: Array<[Record<string, unknown>, string, unknown[]]> = [
      [{ digit: 3 }, 'digit = 3', []],
      [{ label: 4 }, 'label = 4', []],
      [{ correct: true }, 'label = digit', []],
      [{ correct: false }, 'label <> digit', []],
      [{ unlabeled: true }, 'label IS NULL', []],
      [{ unlabeled: false }, 'label IS NOT NULL', []],
      [{ modelId: model }, 'model_version_id = $2', [model]],
      [{ from: '2025-06-01T11:00:00Z', to: '2025-06-01T11:30:00.123456Z' }, "created_at >= '2025-06-01T11:00:00Z' AND created_at < '2025-06-01T11:30:00.123456Z'", []],
      [{ digit: 2, correct: true, from: '2025-06-01T10:00:00Z' }, "digit = 2 AND label = digit AND created_at >= '2025-06-01T10:00:00Z'", []],
    ];
    for (const [filter, where, params] of cases) {
      const response = await history({ first: 200, filter });
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const page = response.data!.predictions;
      const want = await sqlCount(where, params);
      assert.ok(want > 0, `the seed has rows for ${JSON.stringify(filter)}`);
      assert.equal(page.totalCount, want, JSON.stringify(filter));
      assert.equal(page.edges.length, want);
      const ids = new Set(page.edges.map((e) => e.node.id));
      assert.deepEqual(
        expected.filter((id) => ids.has(id)),
        page.edges.map((e) => e.node.id),
        'still newest first',
      );
    }
  });

  const badFilters: Array<[Record<string, unknown>, string]> = [
    [{ digit: 10 }, 'filter.digit'],
    [{ label: -1 }, 'filter.label'],
    [{ unlabeled: true, label: 3 }, 'filter.unlabeled'],
    [{ unlabeled: true, correct: false }, 'filter.unlabeled'],
    [{ modelId: 'model-1' }, 'filter.modelId'],
    [{ from: '2025-06-02T00:00:00Z', to: '2025-06-01T00:00:00Z' }, 'filter.from'],
  ];
  for (const [filter, field] of badFilters) {
    test(`refuses the filter ${JSON.stringify(filter)} with BAD_USER_INPUT naming ${field}`, async () => {
      const response = await history({ filter });
      assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
      assert.equal(response.errors![0].extensions?.field, field);
    });
  }

  test('shows nothing of other clients, and nothing to a caller without an id of its own', async () => {
    const other = (await server.graphql<History>(HISTORY, { first: 200 }, { headers: { 'x-client-id': OTHER } })).data!.predictions;
    assert.equal(other.totalCount, 30);
    assert.ok(other.edges.every((e) => !expected.includes(e.node.id)));
    const fresh = (await server.graphql<History>(HISTORY, {})).data!.predictions;
    assert.equal(fresh.totalCount, 0);
    assert.deepEqual(fresh.edges, []);
  });
});
