#!/usr/bin/env node
// Prints the gzipped size of the JavaScript a browser loads on the first visit
// to a route (default `/`): SvelteKit's two entry chunks, the nodes of the
// route's layouts, error page and leaf, and every chunk they import statically.
// Dynamic imports (charts, loaded later) are not counted. Reads the build
// output of `vite build` (.svelte-kit/output); run after `npm run build`.
//
//   node scripts/bundle-size.mjs [route-id] [--budget=150]
//
// Exits 1 when the total is over the budget in kB (1 kB = 1000 bytes).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const clientRoot = new URL('..', import.meta.url).pathname;
const output = join(clientRoot, '.svelte-kit', 'output');
const args = process.argv.slice(2);
const routeId = args.find((a) => !a.startsWith('--')) ?? '/';
const budgetArg = args.find((a) => a.startsWith('--budget='));
const budgetKb = budgetArg ? Number(budgetArg.slice('--budget='.length)) : 150;

let manifest;
try {
  manifest = JSON.parse(readFileSync(join(output, 'client', '.vite', 'manifest.json'), 'utf8'));
} catch {
  console.error('No client build found in client/.svelte-kit/output; run `npm run build -w client` first.');
  process.exit(2);
}
const { manifest: server } = await import(pathToFileURL(join(output, 'server', 'manifest.js')).href);
const route = server._.routes.find((r) => r.id === routeId);
if (!route?.page) {
  console.error(`No page route with id ${JSON.stringify(routeId)}; known: ${server._.routes.map((r) => r.id).join(', ')}`);
  process.exit(2);
}

const nodeKeys = [...route.page.layouts, ...route.page.errors, route.page.leaf]
  .filter((n) => n !== undefined)
  .map((n) => `.svelte-kit/generated/client-optimized/nodes/${n}.js`);
const entryKeys = Object.keys(manifest).filter(
  (key) => key.endsWith('@sveltejs/kit/src/runtime/client/entry.js') || key.endsWith('generated/client-optimized/app.js'),
);

const seen = new Set();
function visit(key) {
  if (seen.has(key)) return;
  const chunk = manifest[key];
  if (!chunk) throw new Error(`manifest has no chunk ${key}`);
  seen.add(key);
  for (const imported of chunk.imports ?? []) visit(imported);
}
for (const key of [...entryKeys, ...nodeKeys]) visit(key);

const rows = [...seen]
  .map((key) => manifest[key].file)
  .filter((file) => file.endsWith('.js'))
  .map((file) => {
    const bytes = readFileSync(join(output, 'client', file));
    return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  })
  .sort((a, b) => b.gzip - a.gzip);

const kb = (n) => (n / 1000).toFixed(1).padStart(7);
for (const row of rows) console.log(`${kb(row.gzip)} kB gz ${kb(row.raw)} kB  ${row.file}`);
const total = rows.reduce((sum, r) => sum + r.gzip, 0);
const totalRaw = rows.reduce((sum, r) => sum + r.raw, 0);
console.log(`${kb(total)} kB gz ${kb(totalRaw)} kB  first load of ${routeId} (${rows.length} JS files, budget ${budgetKb} kB gz)`);
if (total > budgetKb * 1000) {
  console.error(`Over budget by ${((total - budgetKb * 1000) / 1000).toFixed(1)} kB gzipped.`);
  process.exit(1);
}
