/**
 * The client's JavaScript budget: the first visit to `/` may ship at most
 * 150 kB gzipped (entry, root layout, Draw page and their static imports),
 * as measured by client/scripts/bundle-size.mjs on the production build.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../server/src/config.js';

test('the first load of the Draw page ships at most 150 kB of gzipped JavaScript', () => {
  const script = join(REPO_ROOT, 'client', 'scripts', 'bundle-size.mjs');
  const run = spawnSync(process.execPath, [script, '/', '--budget=150'], { encoding: 'utf8' });
  const total = /^\s*([\d.]+) kB gz .* first load of \//m.exec(run.stdout);
  assert.ok(total, `bundle-size.mjs printed no total:\n${run.stdout}${run.stderr}`);
  assert.equal(run.status, 0, `over budget:\n${run.stdout}${run.stderr}`);
  assert.ok(Number(total[1]) > 10, `an implausibly small bundle (${total[1]} kB): is the build complete?`);
});
