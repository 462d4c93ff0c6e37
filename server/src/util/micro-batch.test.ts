import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MicroBatcher } from './micro-batch.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('calls made in the same tick run as one batch, each getting its own result', async () => {
  const batches: number[][] = [];
  const batcher = new MicroBatcher<number, number>({ run: (items) => (batches.push(items), items.map((n) => n * 10)) });
  const results = await Promise.all([1, 2, 3, 4].map((n) => batcher.add(n)));
  assert.deepEqual(results, [10, 20, 30, 40]);
  assert.deepEqual(batches, [[1, 2, 3, 4]]);
});

test('a batch holds at most maxBatch calls; the rest follow in order', async () => {
  const batches: number[][] = [];
  const batcher = new MicroBatcher<number, number>({ maxBatch: 3, run: (items) => (batches.push(items), items) });
  assert.deepEqual(await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => batcher.add(n))), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(batches, [[1, 2, 3], [4, 5, 6], [7]]);
});

test('no more than maxInFlight batches run at once; calls arriving meanwhile wait and go together', async () => {
  let running = 0;
  let most = 0;
  const sizes: number[] = [];
  const release: Array<() => void> = [];
  const batcher = new MicroBatcher<number, number>({
    maxInFlight: 2,
    run: async (items) => {
      running++;
      most = Math.max(most, running);
      sizes.push(items.length);
      await new Promise<void>((resolve) => release.push(resolve));
      running--;
      return items;
    },
  });
  const first = [batcher.add(1)];
  await tick();
  const second = [batcher.add(2)];
  await tick();
  // Two batches are running: these five wait and then run as one.
  const waiting = [3, 4, 5, 6, 7].map((n) => batcher.add(n));
  await tick();
  assert.equal(batcher.pending, 5);
  // Let every batch run to its end: three in all.
  for (let turns = 0; turns < 100 && !(sizes.length === 3 && running === 0 && release.length === 0); turns++) {
    release.splice(0).forEach((resolve) => resolve());
    await tick();
  }
  assert.deepEqual(await Promise.all([...first, ...second, ...waiting]), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(most, 2);
  assert.deepEqual(sizes, [1, 1, 5]);
});

test("a failing batch rejects its own calls only, and the next batch runs", async () => {
  let calls = 0;
  const batcher = new MicroBatcher<number, number>({
    run: (items) => {
      if (calls++ === 0) throw new Error('the database went away');
      return items;
    },
  });
  const failed = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
  assert.deepEqual(failed.map((outcome) => outcome.status), ['rejected', 'rejected']);
  assert.equal(await batcher.add(3), 3);
});

test('a batch answering the wrong number of results rejects its calls instead of mismatching them', async () => {
  const batcher = new MicroBatcher<number, number>({ run: (items) => items.slice(1) });
  await assert.rejects(Promise.all([batcher.add(1), batcher.add(2)]), /a batch of 2 answered 1 results/);
});
