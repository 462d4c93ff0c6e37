import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadMnist } from '../server/src/ml/mnist.js';
import { errorCodes } from './helpers/graphql.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { seedPredictions } from './helpers/predictions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const USER_SAMPLES = /* GraphQL */ `
  query Samples($first: Int, $after: String, $label: Int) {
    userSamples(first: $first, after: $after, label: $label) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id label digit pixels createdAt labeledAt } }
    }
  }
`;
const STATS = /* GraphQL */ `
  { datasetStats { mnistTrain { total perClass } mnistTest { total perClass } user { total perClass } mine { total perClass } } }
`;
const MNIST = /* GraphQL */ `
  query Mnist($split: MnistSplit!, $digit: Int, $offset: Int, $limit: Int) {
    mnistSamples(split: $split, digit: $digit, offset: $offset, limit: $limit) { total items { index label pixels } }
  }
`;

interface Samples {
  userSamples: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: Array<{ node: { id: string; label: number; digit: number; pixels: number[]; createdAt: string; labeledAt: string } }>;
  };
}
interface Counts {
  total: number;
  perClass: number[];
}
interface MnistPage {
  mnistSamples: { total: number; items: Array<{ index: number; label: number; pixels: number[] }> };
}

const OWNER = 'dataset-owner';
const OTHER = 'dataset-other';

describe('the user dataset and the MNIST explorer', () => {
  let server: TestServer;
  const as = (clientId: string) => ({ headers: { 'x-client-id': clientId } });

  before(async () => {
    server = await startTestServer();
    // OWNER: 30 drawings, labelled i % 10 when i is odd; OTHER: 20, labelled 7 when i % 4 = 0.
    await seedPredictions(server.db, { count: 30, clientId: OWNER, label: 'CASE WHEN i % 2 = 1 THEN i % 10 END' });
    await seedPredictions(server.db, { count: 20, clientId: OTHER, label: 'CASE WHEN i % 4 = 0 THEN 7 END' });
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('lists only the caller\'s labelled drawings, newest first, with their pixels and labels', async () => {
    const response = await server.graphql<Samples>(USER_SAMPLES, { first: 200 }, as(OWNER));
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const page = response.data!.userSamples;
    const rows = await server.db.query<{ id: string; label: number; pixels: Buffer }>(
      'SELECT id, label, pixels FROM predictions WHERE client_id = $1 AND label IS NOT NULL ORDER BY created_at DESC, id DESC',
      [OWNER],
    );
    assert.equal(page.totalCount, 15);
    assert.deepEqual(
      page.edges.map((e) => [e.node.id, e.node.label]),
      rows.map((r) => [r.id, r.label]),
    );
    const first = page.edges[0].node;
    assert.equal(first.pixels.length, 784);
    assert.deepEqual(first.pixels, Array.from(rows[0].pixels, (b) => b / 255));
    assert.ok(first.labeledAt);
  });

  test('filters by label and pages with cursors', async () => {
    const threes = (await server.graphql<Samples>(USER_SAMPLES, { label: 3 }, as(OWNER))).data!.userSamples;
    assert.equal(threes.totalCount, 3);
    assert.ok(threes.edges.every((e) => e.node.label === 3));
    const first = (await server.graphql<Samples>(USER_SAMPLES, { first: 10 }, as(OWNER))).data!.userSamples;
    const rest = (await server.graphql<Samples>(USER_SAMPLES, { first: 10, after: first.pageInfo.endCursor }, as(OWNER))).data!.userSamples;
    assert.equal(first.pageInfo.hasNextPage, true);
    assert.equal(rest.edges.length, 5);
    assert.equal(rest.pageInfo.hasNextPage, false);
    const ids = [...first.edges, ...rest.edges].map((e) => e.node.id);
    assert.equal(new Set(ids).size, 15);
  });

  for (const [variables, field] of [
    [{ label: 10 }, 'label'],
    [{ first: 201 }, 'first'],
    [{ after: 'nope' }, 'after'],
  ] as const) {
    test(`refuses ${JSON.stringify(variables)} with BAD_USER_INPUT naming ${field}`, async () => {
      const response = await server.graphql(USER_SAMPLES, variables, as(OWNER));
      assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
      assert.equal(response.errors![0].extensions?.field, field);
    });
  }

  test('counts samples per digit in MNIST train and test, the whole user dataset and the caller\'s own', async () => {
    const response = await server.graphql<{ datasetStats: Record<'mnistTrain' | 'mnistTest' | 'user' | 'mine', Counts> }>(STATS, {}, as(OTHER));
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const stats = response.data!.datasetStats;
    assert.deepEqual(stats.mnistTrain, { total: 60_000, perClass: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949] });
    assert.deepEqual(stats.mnistTest, { total: 10_000, perClass: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009] });
    // OWNER's odd i from 1 to 29 give labels 1,3,5,7,9 three times each; OTHER's five 7s.
    assert.deepEqual(stats.user, { total: 20, perClass: [0, 3, 0, 3, 0, 3, 0, 8, 0, 3] });
    assert.deepEqual(stats.mine, { total: 5, perClass: [0, 0, 0, 0, 0, 0, 0, 5, 0, 0] });
  });

  test('pages through an MNIST split in file order with the idx file\'s labels and pixels', async () => {
    const test10k = loadMnist('test');
    const response = await server.graphql<MnistPage>(MNIST, { split: 'TEST', offset: 9_998 });
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const page = response.data!.mnistSamples;
    assert.equal(page.total, 10_000);
    assert.deepEqual(page.items.map((i) => i.index), [9_998, 9_999]);
    for (const item of page.items) {
      assert.equal(item.label, test10k.labels[item.index]);
      // loadMnist's floats are float32; compare the bytes both come from.
      const bytes = (values: ArrayLike<number>) => Array.from(values, (v) => Math.round(v * 255));
      assert.deepEqual(bytes(item.pixels), bytes(test10k.images.subarray(item.index * 784, (item.index + 1) * 784)));
    }
    const train = (await server.graphql<MnistPage>(MNIST, { split: 'TRAIN' })).data!.mnistSamples;
    assert.equal(train.total, 60_000);
    assert.equal(train.items.length, 50, 'limit defaults to 50');
    assert.equal(train.items[0].label, 5, 'the first MNIST training digit is a 5');
  });

  test('shows one digit\'s samples with their indices in the split', async () => {
    const page = (await server.graphql<MnistPage>(MNIST, { split: 'TEST', digit: 3, offset: 1000, limit: 200 })).data!.mnistSamples;
    assert.equal(page.total, 1010);
    assert.equal(page.items.length, 10);
    assert.ok(page.items.every((i) => i.label === 3));
    const indices = page.items.map((i) => i.index);
    assert.deepEqual([...indices].sort((a, b) => a - b), indices);
    assert.deepEqual((await server.graphql<MnistPage>(MNIST, { split: 'TEST', digit: 3, offset: 5000 })).data!.mnistSamples.items, []);
  });

  for (const [variables, field] of [
    [{ split: 'TRAIN', limit: 201 }, 'limit'],
    [{ split: 'TRAIN', limit: 0 }, 'limit'],
    [{ split: 'TEST', offset: -1 }, 'offset'],
    [{ split: 'TEST', digit: 10 }, 'digit'],
  ] as const) {
    test(`refuses mnistSamples ${JSON.stringify(variables)} with BAD_USER_INPUT naming ${field}`, async () => {
      const response = await server.graphql(MNIST, variables);
      assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
      assert.equal(response.errors![0].extensions?.field, field);
    });
  }

  test('refuses an unknown split before running anything', async () => {
    const response = await server.graphql(MNIST, { split: 'VALIDATION' });
    assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
  });
});
