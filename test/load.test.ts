import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoOpenHandles } from './helpers/handles.js';
import { everyAnswerStored, formatLoadReport, runClassifyLoad } from './helpers/load.js';

// A short version of `bench/load.bench.ts` (64 clients, 60 s): enough concurrency to
// exercise micro-batching, the pool and NOTIFY, short enough for every test run.
test('16 clients classifying for 5 s get answers only, every answer is stored, and no tensor leaks', async () => {
  const report = await runClassifyLoad({ connections: 16, durationS: 5 });
  const text = formatLoadReport(report);
  assert.equal(report.errors, 0, text);
  assert.equal(report.timeouts, 0, text);
  assert.equal(report.non2xx, 0, text);
  assert.ok(report.ok > 50, `some throughput even on a busy machine:\n${text}`);
  assert.ok(everyAnswerStored(report), `every answered classify is stored, nothing else:\n${text}`);
  assert.equal(report.after.tensors, report.before.tensors, `tensor count is flat:\n${text}`);
  assert.ok(report.after.rssBytes < report.before.rssBytes + 300 * 2 ** 20, `RSS grows by less than 300 MiB:\n${text}`);
  await assertNoOpenHandles();
});
