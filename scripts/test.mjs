// Runs every compiled test file with Node's own test runner.
// Unit tests sit beside their modules (server/src/**/*.test.ts), cross-package
// integration tests in test/; both compile to server/dist. Files run one at a
// time because the heavy ones (training, browser) each want a whole core.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'server', 'dist');
const only = process.argv.slice(2);

function collect(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

let files = collect(dist).sort();
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
if (files.length === 0) {
  console.error(`no test files found under ${relative(root, dist)}${only.length ? ` matching ${only.join(', ')}` : ''}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
