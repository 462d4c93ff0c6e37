import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphQLError } from 'graphql';
import { jpegDataUrl, onePixels, SEVEN_STROKES } from '../../../test/helpers/drawings.js';
import { DrawingInputPool } from './drawing-input.pool.js';

const limits = { maxImageBytes: 2 * 1024 * 1024, maxImageSide: 2048, maxStrokePoints: 10_000 };

test('images beyond the queue bound are refused with RATE_LIMITED while the queued ones are decoded; strokes never wait', async () => {
  const pool = new DrawingInputPool(limits, { threads: 1, maxQueued: 2 });
  try {
    const big = jpegDataUrl(1600, 1200);
    // The thread is up and idle: the first big image starts at once, the next two wait.
    assert.equal((await pool.toModelInput({ image: jpegDataUrl(64, 48) })).kind, 'image');
    const calls = Array.from({ length: 6 }, () => pool.toModelInput({ image: big }));
    // Strokes and pixels are done at once, whatever waits in the pool.
    assert.equal((await pool.toModelInput(SEVEN_STROKES)).kind, 'strokes');
    assert.equal((await pool.toModelInput({ pixels: onePixels() })).kind, 'pixels');
    const outcomes = await Promise.allSettled(calls);
    const decoded = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    // One running and two waiting are decoded; the other three are told to retry.
    assert.equal(decoded.length, 3);
    for (const o of decoded) assert.equal(o.value.kind, 'image');
    assert.equal(refused.length, 3);
    for (const error of refused) {
      assert.ok(error instanceof GraphQLError);
      assert.equal(error.extensions.code, 'RATE_LIMITED');
      assert.equal(error.extensions.retryAfter, 1);
      assert.match(error.message, /Retry in 1 s/);
    }
    // Once the queue drains, images are accepted again.
    assert.equal((await pool.toModelInput({ image: jpegDataUrl(64, 48) })).kind, 'image');
  } finally {
    await pool.close();
  }
});

test('a refusal made in a pool thread keeps its code, message and field', async () => {
  const pool = new DrawingInputPool(limits, { threads: 1 });
  try {
    await assert.rejects(pool.toModelInput({ image: 'data:image/png;base64,iVBORw0KGgo=' }), (error: unknown) => {
      assert.ok(error instanceof GraphQLError);
      assert.equal(error.extensions.code, 'BAD_USER_INPUT');
      assert.equal(error.extensions.field, 'input.image');
      assert.match(error.message, /PNG/);
      return true;
    });
  } finally {
    await pool.close();
  }
});
