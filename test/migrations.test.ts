/**
 * The numbered migrations against a real, fresh database: all of them run
 * up, and every one can be undone and redone, newest first, down to an
 * empty schema and back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createDataSource } from '../server/src/db/data-source.js';
import { withTestDatabase, type TestDatabase } from './helpers/database.js';

let db: TestDatabase;
before(async () => {
  db = await withTestDatabase();
});
after(async () => {
  await db?.close();
});

const indexDefinition = async (name: string) =>
  (await db.query<{ indexdef: string }>('SELECT indexdef FROM pg_indexes WHERE indexname = $1', [name]))[0]?.indexdef;
const tables = async () =>
  (await db.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY 1")).map((r) => r.tablename);

test('every migration runs up, down and up again on a fresh database', async () => {
  const dataSource = createDataSource(db.url);
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations();
    assert.equal(applied.length, dataSource.migrations.length);
    const schema = await tables();
    assert.ok(schema.includes('predictions') && schema.includes('model_versions'), schema.join(', '));
    // The newest: the labelled-prediction indexes carry confidence, and lose it when undone.
    assert.match((await indexDefinition('predictions_labeled_created_at_idx')) ?? '', /INCLUDE \(model_version_id, label, digit, confidence\)/);
    await dataSource.undoLastMigration();
    assert.match((await indexDefinition('predictions_labeled_created_at_idx')) ?? '', /INCLUDE \(model_version_id, label, digit\) WHERE/);
    assert.match((await indexDefinition('predictions_labeled_client_idx')) ?? '', /INCLUDE \(model_version_id, label, digit\) WHERE/);
    for (let i = 1; i < dataSource.migrations.length; i++) await dataSource.undoLastMigration();
    assert.deepEqual(await tables(), [], 'nothing is left once every migration is undone');
    assert.equal((await dataSource.runMigrations()).length, dataSource.migrations.length);
    assert.deepEqual(await tables(), schema);
    assert.match((await indexDefinition('predictions_labeled_client_idx')) ?? '', /INCLUDE \(model_version_id, label, digit, confidence\)/);
  } finally {
    await dataSource.destroy();
  }
});
