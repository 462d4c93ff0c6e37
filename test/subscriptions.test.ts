import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLASSIFY, onePixels, type ClassifyResult } from './helpers/drawings.js';
import { subscribe } from './helpers/graphql-ws.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PREDICTION_ADDED = /* GraphQL */ `
  subscription {
    predictionAdded { id digit confidence probabilities pixels inputKind createdAt model { version } }
  }
`;

interface Added {
  predictionAdded: Omit<ClassifyResult['classify'], 'model' | 'label'> & { model: { version: number } };
}

describe('GraphQL over WebSocket on /graphql', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('delivers predictionAdded to a subscriber once classify stored the prediction', async () => {
    const subscription = await subscribe<Added>(server.wsUrl, PREDICTION_ADDED);
    try {
      const response = await server.graphql<ClassifyResult>(CLASSIFY, { input: { pixels: onePixels() } });
      assert.equal(response.errors, undefined);
      const classified = response.data!.classify;
      const event = await subscription.next();
      assert.equal(event.errors, undefined, JSON.stringify(event.errors));
      const added = event.data!.predictionAdded;
      assert.equal(added.id, classified.id);
      assert.equal(added.digit, classified.digit);
      assert.deepEqual(added.probabilities, classified.probabilities);
      assert.deepEqual(added.pixels, classified.pixels);
      assert.equal(added.createdAt, classified.createdAt);
      assert.equal(added.inputKind, 'PIXELS');
      assert.equal(added.model.version, 1);
      const rows = await server.db.query('SELECT id FROM predictions WHERE id = $1', [added.id]);
      assert.equal(rows.length, 1, 'published only once stored');
    } finally {
      await subscription.close();
    }
  });

  test('delivers each prediction to every subscriber', async () => {
    const [a, b] = await Promise.all([subscribe<Added>(server.wsUrl, PREDICTION_ADDED), subscribe<Added>(server.wsUrl, PREDICTION_ADDED)]);
    try {
      const first = await server.graphql<ClassifyResult>(CLASSIFY, { input: { pixels: onePixels() } });
      const second = await server.graphql<ClassifyResult>(CLASSIFY, { input: { pixels: onePixels() } });
      for (const subscription of [a, b]) {
        assert.equal((await subscription.next()).data?.predictionAdded.id, first.data!.classify.id);
        assert.equal((await subscription.next()).data?.predictionAdded.id, second.data!.classify.id);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('answers queries over the same socket path', async () => {
    const subscription = await subscribe<{ activeModel: { version: number } }>(server.wsUrl, '{ activeModel { version } }');
    try {
      assert.deepEqual((await subscription.next()).data, { activeModel: { version: 1 } });
    } finally {
      await subscription.close();
    }
  });

  test('closes open subscriptions when the server shuts down', async () => {
    const own = await startTestServer({ db: server.db });
    const subscription = await subscribe<Added>(own.wsUrl, PREDICTION_ADDED);
    await own.close();
    await assert.rejects(subscription.next(2_000));
    await subscription.close();
  });
});
