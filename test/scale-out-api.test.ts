import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withTestDatabase, type TestDatabase } from './helpers/database.js';
import { CLASSIFY, onePixels, type ClassifyResult } from './helpers/drawings.js';
import { errorCodes, graphql } from './helpers/graphql.js';
import { subscribe } from './helpers/graphql-ws.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { createUntrainedModelDir, type TestModelDir } from './helpers/model.js';
import { startApiProcess, type ChildNode } from './helpers/processes.js';

type Api = ChildNode & { url: string; wsUrl: string };
const TOKEN = 'scale-out-admin-token-0123456789';
const ADDED = /* GraphQL */ `subscription { predictionAdded { id digit mine model { version } } }`;
const LABELED = /* GraphQL */ `subscription { predictionLabeled { id label } }`;
const LABEL = /* GraphQL */ `mutation($id: ID!, $label: Int!) { labelPrediction(id: $id, label: $label) { id label } }`;

interface Added {
  predictionAdded: { id: string; digit: number; mine: boolean; model: { version: number } };
}

/**
 * Two API processes (no in-process workers) on one database: what one
 * publishes reaches subscribers of the other through Postgres NOTIFY.
 * `scale-out.test.ts` covers jobs and activation with workers; this file
 * covers the prediction feed and activation with API processes alone.
 */
describe('two API processes on one database, without workers', () => {
  let db: TestDatabase;
  let modelDir: TestModelDir;
  let apiA: Api;
  let apiB: Api;

  before(async () => {
    db = await withTestDatabase();
    modelDir = await createUntrainedModelDir();
    const env = { DATABASE_URL: db.url, DEFAULT_MODEL_DIR: modelDir.dir, RUN_WORKER: 'false', ADMIN_TOKEN: TOKEN };
    // One after the other: the first runs the migrations.
    apiA = await startApiProcess('api-a', env);
    apiB = await startApiProcess('api-b', env);
  });
  after(async () => {
    await Promise.all([apiA?.stop(), apiB?.stop()]);
    await db?.close();
    await modelDir?.remove();
    await assertNoOpenHandles();
  });

  test('a subscriber on either API sees the predictions classified on the other, once each: its own, or every one for an admin', async () => {
    const onA = await subscribe<Added>(apiA.wsUrl, ADDED, { connectionParams: { clientId: 'watcher-on-a', adminToken: TOKEN } });
    const onB = await subscribe<Added>(apiB.wsUrl, ADDED, { connectionParams: { clientId: 'drawer-00001' } });
    try {
      const fromB = await graphql<ClassifyResult>(apiB.url, CLASSIFY, { input: { pixels: onePixels() } }, { headers: { 'x-client-id': 'drawer-00001' } });
      assert.equal(fromB.errors, undefined, JSON.stringify(fromB.errors));
      const fromA = await graphql<ClassifyResult>(apiA.url, CLASSIFY, { input: { pixels: onePixels() } });
      // The admin on A hears both, in order; the drawer on B only its own.
      for (const [subscription, expected] of [
        [onA, [fromB.data!.classify.id, fromA.data!.classify.id]],
        [onB, [fromB.data!.classify.id]],
      ] as const) {
        for (const id of expected) {
          const event = await subscription.next(10_000);
          assert.equal(event.data?.predictionAdded.id, id);
          assert.equal(event.data?.predictionAdded.mine, true);
          assert.equal(event.data?.predictionAdded.model.version, 1);
        }
        await assert.rejects(subscription.next(500), /no subscription result/, 'each prediction arrives once, and no one else\'s');
      }
    } finally {
      await Promise.all([onA.close(), onB.close()]);
    }
  });

  test('a label set through one API reaches predictionLabeled subscribers of the other', async () => {
    const as = { headers: { 'x-client-id': 'labeller-0001' } };
    const classified = await graphql<ClassifyResult>(apiA.url, CLASSIFY, { input: { pixels: onePixels() } }, as);
    const onB = await subscribe<{ predictionLabeled: { id: string; label: number } }>(apiB.wsUrl, LABELED, { connectionParams: { clientId: 'labeller-0001' } });
    try {
      const labelled = await graphql(apiA.url, LABEL, { id: classified.data!.classify.id, label: 7 }, as);
      assert.equal(labelled.errors, undefined, JSON.stringify(labelled.errors));
      const event = await onB.next(10_000);
      assert.deepEqual(event.data?.predictionLabeled, { id: classified.data!.classify.id, label: 7 });
    } finally {
      await onB.close();
    }
  });

  test('activating a model through one API (with the admin token) switches both', async () => {
    // A second version: the first one's weights under a new number.
    const [copy] = await db.query<{ id: string }>(
      `INSERT INTO model_versions (version, name, status, topology, weight_specs, weights, metrics, recipe, lineage, backend, duration_ms)
       SELECT 2, 'copy of v1', 'candidate', topology, weight_specs, weights, metrics, recipe, lineage, backend, duration_ms
       FROM model_versions WHERE version = 1 RETURNING id`,
    );
    const activate = `mutation($id: ID!) { activateModel(id: $id) { id version status } }`;
    assert.deepEqual(errorCodes(await graphql(apiA.url, activate, { id: copy.id })), ['UNAUTHENTICATED'], 'the token is needed on every instance');
    const onB = await subscribe<{ modelActivated: { id: string } }>(apiB.wsUrl, `subscription { modelActivated { id } }`);
    try {
      const response = await graphql(apiA.url, activate, { id: copy.id }, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      assert.equal((await onB.next(15_000)).data?.modelActivated.id, copy.id);
    } finally {
      await onB.close();
    }
    for (const api of [apiA, apiB]) {
      const classified = await graphql<ClassifyResult>(api.url, CLASSIFY, { input: { pixels: onePixels() } });
      assert.equal(classified.data?.classify.model.version, 2, `${api.name} answers with version 2`);
    }
  });
});
