import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decidePromotion, MAX_TEST_ACCURACY_DROP } from './model-registry.service.js';

describe('decidePromotion', () => {
  test('promotes the first version when none is active', () => {
    assert.equal(decidePromotion({ testAccuracy: 0.5, userHoldoutAccuracy: null }, null).promote, true);
  });

  test('promotes a version at most 0.1 point below the active one on MNIST test with an equal holdout', () => {
    const decision = decidePromotion({ testAccuracy: 0.99 - MAX_TEST_ACCURACY_DROP, userHoldoutAccuracy: 0.8 }, { testAccuracy: 0.99, userHoldoutAccuracy: 0.8 });
    assert.equal(decision.promote, true, decision.reason);
  });

  test('keeps a candidate that loses more than 0.1 point of MNIST test accuracy, saying so', () => {
    const decision = decidePromotion({ testAccuracy: 0.9885, userHoldoutAccuracy: 0.9 }, { testAccuracy: 0.99, userHoldoutAccuracy: 0.8 });
    assert.equal(decision.promote, false);
    assert.match(decision.reason, /98\.85% is more than 0\.1 point below the active model's 99\.00%/);
  });

  test('keeps a candidate that does worse on the user holdout', () => {
    const decision = decidePromotion({ testAccuracy: 0.995, userHoldoutAccuracy: 0.7 }, { testAccuracy: 0.99, userHoldoutAccuracy: 0.75 });
    assert.equal(decision.promote, false);
    assert.match(decision.reason, /User holdout accuracy 70\.00% is below the active model's 75\.00%/);
  });

  test('judges on MNIST alone when either side has no holdout figure', () => {
    assert.equal(decidePromotion({ testAccuracy: 0.99, userHoldoutAccuracy: null }, { testAccuracy: 0.99, userHoldoutAccuracy: 0.9 }).promote, true);
    assert.equal(decidePromotion({ testAccuracy: 0.99, userHoldoutAccuracy: 0.1 }, { testAccuracy: 0.99, userHoldoutAccuracy: null }).promote, true);
  });
});
