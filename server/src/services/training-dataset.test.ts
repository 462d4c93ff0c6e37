import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { isUserHoldout, USER_HOLDOUT_PERCENT } from './training-dataset.js';

describe('isUserHoldout', () => {
  test('puts the same id on the same side every time', () => {
    const ids = Array.from({ length: 200 }, () => randomUUID());
    assert.deepEqual(ids.map(isUserHoldout), ids.map(isUserHoldout));
  });

  test('holds out about 20% of ids', () => {
    const n = 20_000;
    let held = 0;
    for (let i = 0; i < n; i++) if (isUserHoldout(randomUUID())) held++;
    const share = (100 * held) / n;
    assert.ok(Math.abs(share - USER_HOLDOUT_PERCENT) < 1.5, `${share.toFixed(2)}% held out`);
  });
});
