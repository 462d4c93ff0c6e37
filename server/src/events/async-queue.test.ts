import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AsyncQueue } from './async-queue.js';

describe('AsyncQueue', () => {
  test('delivers pushed values in order, buffered or awaited', async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    const pending = queue.next();
    const later = queue.next();
    queue.push(2);
    assert.deepEqual(await pending, { value: 1, done: false });
    assert.deepEqual(await later, { value: 2, done: false });
  });

  test('ends a pending next() at once on return(), and runs its cleanup once', async () => {
    let closed = 0;
    const queue = new AsyncQueue<number>(() => closed++);
    const pending = queue.next();
    await queue.return();
    assert.deepEqual(await pending, { value: undefined, done: true });
    queue.end();
    queue.push(3);
    assert.deepEqual(await queue.next(), { value: undefined, done: true });
    assert.equal(closed, 1);
  });

  test('hands the buffered values out before the end, then the error', async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    queue.end(new Error('gone'));
    assert.deepEqual(await queue.next(), { value: 1, done: false });
    await assert.rejects(queue.next(), /gone/);
    assert.deepEqual(await queue.next(), { value: undefined, done: true });
  });
});
