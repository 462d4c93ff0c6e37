import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startServer, type RunningServer } from '../server/src/main.js';
import { makeTempDir } from './helpers/database.js';
import { CLASSIFY, onePixels, type ClassifyResult } from './helpers/drawings.js';
import { graphql } from './helpers/graphql.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { createUntrainedModelDir, type TestModelDir } from './helpers/model.js';

// Always the embedded path, even when DATABASE_URL is set for the other tests.
let dataDir: string;
let modelDir: TestModelDir;

before(async () => {
  dataDir = await makeTempDir('mnist-embedded-');
  modelDir = await createUntrainedModelDir();
});
after(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await modelDir?.remove();
  await assertNoOpenHandles();
});

const start = (): Promise<RunningServer> =>
  startServer({
    port: 0,
    host: '127.0.0.1',
    databaseUrl: undefined,
    dataDir,
    logLevel: 'silent',
    nodeEnv: 'test',
    defaultModelDir: modelDir.dir,
  });

async function count(databaseUrl: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(sql)).rows[0].n);
  } finally {
    await client.end();
  }
}

const CLIENT = { 'x-client-id': 'embedded-pg-client' };

test('without DATABASE_URL the server runs on an embedded Postgres in DATA_DIR that survives a restart', async () => {
  const first = await start();
  let id: string;
  let migrations: number;
  try {
    assert.ok(existsSync(join(dataDir, 'postgres', 'PG_VERSION')), 'the cluster lives in DATA_DIR/postgres');
    // The same client id on both sides of the restart: a prediction is only shown to the client that made it.
    const response = await graphql<ClassifyResult>(first.url, CLASSIFY, { input: { pixels: onePixels() } }, { headers: CLIENT });
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    id = response.data!.classify.id;
    assert.equal(await count(first.databaseUrl, 'SELECT count(*) AS n FROM predictions'), 1);
    migrations = await count(first.databaseUrl, 'SELECT count(*) AS n FROM migrations');
    assert.ok(migrations >= 1);
  } finally {
    await first.close();
  }

  const second = await start();
  try {
    const response = await graphql<{ prediction: { id: string } | null; models: unknown[] }>(
      second.url,
      'query ($id: ID!) { prediction(id: $id) { id } models { version } }',
      { id },
      { headers: CLIENT },
    );
    assert.equal(response.data?.prediction?.id, id, 'the prediction survived the restart');
    assert.deepEqual(response.data?.models, [{ version: 1 }], 'the default model was imported once');
    assert.equal(await count(second.databaseUrl, 'SELECT count(*) AS n FROM migrations'), migrations, 'no migration ran twice');
  } finally {
    await second.close();
  }
});
