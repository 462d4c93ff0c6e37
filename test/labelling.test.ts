import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { takeSnapshot } from '../server/src/services/training-dataset.js';
import { errorCodes } from './helpers/graphql.js';
import { subscribe } from './helpers/graphql-ws.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { classifyAs } from './helpers/predictions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const LABEL = /* GraphQL */ `
  mutation Label($id: ID!, $label: Int!) {
    labelPrediction(id: $id, label: $label) { id digit label labeledAt mine }
  }
`;
const CLEAR = /* GraphQL */ `
  mutation Clear($id: ID!) {
    clearLabel(id: $id) { id label labeledAt }
  }
`;
const DELETE = /* GraphQL */ `
  mutation Delete($id: ID!) {
    deletePrediction(id: $id)
  }
`;
const LABELED = /* GraphQL */ `
  subscription Labeled($mine: Boolean) {
    predictionLabeled(mine: $mine) { id label labeledAt probabilities }
  }
`;

interface Labelled {
  labelPrediction: { id: string; digit: number; label: number | null; labeledAt: string | null; mine: boolean };
}
interface Row {
  label: number | null;
  labeled_at: Date | null;
}

const ALICE = 'alice-0001';
const BOB = 'bob-00000001';

describe('labelling predictions', () => {
  let server: TestServer;
  const as = (clientId: string) => ({ headers: { 'x-client-id': clientId } });
  const row = async (id: string) => (await server.db.query<Row>('SELECT label, labeled_at FROM predictions WHERE id = $1', [id]))[0];

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('sets the true label of an own prediction and answers what is stored', async () => {
    const id = await classifyAs(server, ALICE);
    const response = await server.graphql<Labelled>(LABEL, { id, label: 3 }, as(ALICE));
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const labelled = response.data!.labelPrediction;
    assert.equal(labelled.id, id);
    assert.equal(labelled.label, 3);
    assert.equal(labelled.mine, true);
    const stored = await row(id);
    assert.equal(stored.label, 3);
    assert.equal(stored.labeled_at?.toISOString(), labelled.labeledAt);
  });

  test('changes a label, and keeps labeledAt when the same label is given again', async () => {
    const id = await classifyAs(server, ALICE);
    const first = (await server.graphql<Labelled>(LABEL, { id, label: 1 }, as(ALICE))).data!.labelPrediction;
    const changed = (await server.graphql<Labelled>(LABEL, { id, label: 7 }, as(ALICE))).data!.labelPrediction;
    assert.equal(changed.label, 7);
    assert.ok(Date.parse(changed.labeledAt!) >= Date.parse(first.labeledAt!));
    const again = (await server.graphql<Labelled>(LABEL, { id, label: 7 }, as(ALICE))).data!.labelPrediction;
    assert.equal(again.labeledAt, changed.labeledAt);
    assert.equal((await row(id)).label, 7);
  });

  test('clears a label', async () => {
    const id = await classifyAs(server, ALICE);
    await server.graphql(LABEL, { id, label: 4 }, as(ALICE));
    const response = await server.graphql<{ clearLabel: { label: null; labeledAt: null } }>(CLEAR, { id }, as(ALICE));
    assert.equal(response.errors, undefined);
    assert.deepEqual({ ...response.data!.clearLabel }, { id, label: null, labeledAt: null });
    assert.deepEqual({ ...(await row(id)) }, { label: null, labeled_at: null });
  });

  for (const label of [10, -1, 255]) {
    test(`refuses label ${label} with BAD_USER_INPUT and changes nothing`, async () => {
      const id = await classifyAs(server, ALICE);
      await server.graphql(LABEL, { id, label: 2 }, as(ALICE));
      const before = await row(id);
      const response = await server.graphql(LABEL, { id, label }, as(ALICE));
      assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
      assert.match(response.errors![0].message, new RegExp(`label must be an integer from 0 to 9, got ${label}`));
      assert.deepEqual(await row(id), before);
    });
  }

  test('answers NOT_FOUND for an unknown, a malformed or another client\'s id, and changes nothing', async () => {
    const id = await classifyAs(server, ALICE);
    for (const [target, who] of [
      ['00000000-0000-4000-8000-000000000000', ALICE],
      ['not-a-uuid', ALICE],
      [id, BOB],
    ] as const) {
      for (const [query, variables] of [
        [LABEL, { id: target, label: 5 }],
        [CLEAR, { id: target }],
        [DELETE, { id: target }],
      ] as const) {
        const response = await server.graphql(query, variables, as(who));
        assert.deepEqual(errorCodes(response), ['NOT_FOUND'], `${query.trim().split('(')[0]} ${target} as ${who}`);
        assert.equal(response.data, null);
      }
    }
    assert.deepEqual({ ...(await row(id)) }, { label: null, labeled_at: null });
  });

  test('a request without a client id of its own labels nothing', async () => {
    const id = await classifyAs(server, ALICE);
    // No header and no cookie: the server hands out a fresh id, which owns nothing yet.
    const response = await server.graphql(LABEL, { id, label: 5 });
    assert.deepEqual(errorCodes(response), ['NOT_FOUND']);
    assert.equal((await row(id)).label, null);
  });

  test('ends 20 concurrent relabellings of one prediction with one of their labels and its labeledAt', async () => {
    const id = await classifyAs(server, ALICE);
    const labels = Array.from({ length: 20 }, (_, i) => i % 10);
    const responses = await Promise.all(labels.map((label) => server.graphql<Labelled>(LABEL, { id, label }, as(ALICE))));
    for (const response of responses) assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const answers = responses.map((r) => r.data!.labelPrediction);
    const stored = await row(id);
    assert.ok(labels.includes(stored.label!), `final label ${stored.label}`);
    // The last writer's answer is the stored row, and no answer carries a later time.
    const latest = Math.max(...answers.map((a) => Date.parse(a.labeledAt!)));
    assert.equal(Math.floor(stored.labeled_at!.getTime()), latest);
    assert.ok(answers.some((a) => a.label === stored.label && Date.parse(a.labeledAt!) === latest));
  });

  test('deletes an own prediction, which then is gone for every operation', async () => {
    const id = await classifyAs(server, ALICE);
    await server.graphql(LABEL, { id, label: 8 }, as(ALICE));
    const response = await server.graphql<{ deletePrediction: string }>(DELETE, { id }, as(ALICE));
    assert.equal(response.errors, undefined);
    assert.equal(response.data!.deletePrediction, id);
    assert.equal((await server.db.query('SELECT 1 FROM predictions WHERE id = $1', [id])).length, 0);
    assert.deepEqual(errorCodes(await server.graphql(DELETE, { id }, as(ALICE))), ['NOT_FOUND']);
    assert.deepEqual(errorCodes(await server.graphql(LABEL, { id, label: 1 }, as(ALICE))), ['NOT_FOUND']);
  });

  test('a drawing labelled a moment ago is in the CSV export and in the next training snapshot; deleted, in neither', async () => {
    const id = await classifyAs(server, ALICE);
    const stored = (await server.db.query<{ pixels: Buffer }>('SELECT pixels FROM predictions WHERE id = $1', [id]))[0].pixels;
    await server.graphql(LABEL, { id, label: 6 }, as(ALICE));
    const expectedLine = `6,${Array.from(stored).join(',')}`;

    const csv = await (await fetch(`${server.url}/export/user-dataset.csv`)).text();
    assert.ok(csv.split('\n').includes(expectedLine), 'the export has the drawing with its label');

    const params = { epochs: 1, batchSize: 8, learningRate: 0.01, mnistLimit: 0, includeUserData: true, userSampleWeight: 1, augment: false, seed: 1 };
    const snapshot = await takeSnapshot(server.db, params, null);
    const side = [snapshot.userTrain, snapshot.userHoldout].find((samples) => samples.ids.includes(id));
    assert.ok(side, 'the trainer reads the drawing');
    const at = side.ids.indexOf(id);
    assert.equal(side.labels[at], 6);
    assert.deepEqual(Buffer.from(side.pixels.subarray(at * 784, (at + 1) * 784)), stored);

    await server.graphql(DELETE, { id }, as(ALICE));
    const after = await (await fetch(`${server.url}/export/user-dataset.csv`)).text();
    assert.ok(!after.split('\n').includes(expectedLine), 'deleted drawings leave the export');
    const next = await takeSnapshot(server.db, params, null);
    assert.ok(![...next.userTrain.ids, ...next.userHoldout.ids].includes(id), 'and the training data');
  });

  test('tells predictionLabeled subscribers about each change, with mine: true only the own ones', async () => {
    const all = await subscribe<{ predictionLabeled: { id: string; label: number | null; probabilities: number[] } }>(server.wsUrl, LABELED);
    const mine = await subscribe<{ predictionLabeled: { id: string; label: number | null } }>(server.wsUrl, LABELED, {
      variables: { mine: true },
      connectionParams: { clientId: BOB },
    });
    try {
      const alices = await classifyAs(server, ALICE);
      const bobs = await classifyAs(server, BOB);
      await server.graphql(LABEL, { id: alices, label: 2 }, as(ALICE));
      await server.graphql(LABEL, { id: bobs, label: 9 }, as(BOB));
      await server.graphql(CLEAR, { id: bobs }, as(BOB));

      const seen = [];
      for (let i = 0; i < 3; i++) seen.push((await all.next()).data!.predictionLabeled);
      assert.deepEqual(
        seen.map((p) => [p.id, p.label]),
        [
          [alices, 2],
          [bobs, 9],
          [bobs, null],
        ],
      );
      assert.equal(seen[0].probabilities.length, 10);
      const own = [(await mine.next()).data!.predictionLabeled, (await mine.next()).data!.predictionLabeled];
      assert.deepEqual(
        own.map((p) => [p.id, p.label]),
        [
          [bobs, 9],
          [bobs, null],
        ],
      );
      await assert.rejects(mine.next(300), /no subscription result/);
    } finally {
      await Promise.all([all.close(), mine.close()]);
    }
  });
});
