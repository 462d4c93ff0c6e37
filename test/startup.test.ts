import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../server/src/config.js';
import { makeTempDir } from './helpers/database.js';
import { createUntrainedModelDir } from './helpers/model.js';

const MAIN = join(REPO_ROOT, 'server', 'dist', 'server', 'src', 'main.js');

test('the server refuses to start on a wrong variable, saying how to fix it', () => {
  const result = spawnSync(process.execPath, [MAIN], {
    env: { ...process.env, PORT: 'abc', MAX_IMAGE_BYTES: 'lots' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /PORT must be an integer from 0 to 65535 \(0 picks a free port\), got "abc"/);
  assert.match(result.stderr, /MAX_IMAGE_BYTES must be an integer/);
  assert.doesNotMatch(result.stderr, /at .*\.js:\d+/, 'no stack trace for a configuration mistake');
});

test('SIGTERM closes HTTP, WebSocket, the pool and the embedded Postgres, then exits 0', async () => {
  // The embedded path on purpose: its Postgres must be stopped cleanly too.
  const dataDir = await makeTempDir('mnist-sigterm-');
  const model = await createUntrainedModelDir();
  try {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: '', DATA_DIR: dataDir, DEFAULT_MODEL_DIR: model.dir, LOG_LEVEL: 'info', NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening" line within 60 s:\n${output}`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"url":"(http:[^"]+)".*"msg":"MNIST Studio is listening"/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
    });
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.match(output, /"msg":"signal received"/);
    assert.match(output, /"msg":"stopped"/);
    const lines = output.trim().split('\n');
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `log lines are JSON: ${line}`);
    await assert.rejects(fetch(`${url}/healthz`), 'the port is closed');
    assert.ok(existsSync(join(dataDir, 'postgres', 'PG_VERSION')));
    assert.ok(!existsSync(join(dataDir, 'postgres', 'postmaster.pid')), 'Postgres shut down cleanly');
  } finally {
    await model.remove();
    await rm(dataDir, { recursive: true, force: true });
  }
});
