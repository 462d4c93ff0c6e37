// `npm run bench [name...]`: runs each compiled benchmark (bench/*.bench.ts ->
// server/dist/bench/*.bench.js) in its own process, one after another, so no
// two benchmarks share the 2 cores. Figures are printed; BENCHMARKS.md records them.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import os from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'server', 'dist', 'bench');
const only = process.argv.slice(2);
if (!existsSync(dir)) {
  console.error('no compiled benchmarks: run `npm run build` first');
  process.exit(1);
}
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${only.join(', ')}`);
  process.exit(1);
}
console.log(`# machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, ` +
  `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`);
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file.replace(/\.bench\.js$/, '')}`);
  const r = spawnSync(process.execPath, [join(dir, file)], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
