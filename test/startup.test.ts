import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../server/src/config.js';

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
