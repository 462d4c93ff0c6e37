import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveTrainingParams, TRAINING_PARAM_DEFAULTS, TrainingParamError, WARM_START_DEFAULTS } from './training-params.js';

describe('resolveTrainingParams', () => {
  test('fills every omitted or null field with its default and draws a seed', () => {
    const params = resolveTrainingParams({ epochs: null, warmStart: false }, () => 1234);
    assert.deepEqual(params, { ...TRAINING_PARAM_DEFAULTS, seed: 1234, warmStart: false });
  });

  test('warm-starts by default when a version is active, with the fine-tuning epochs and learning rate', () => {
    assert.deepEqual(resolveTrainingParams({}, () => 7, true), { ...TRAINING_PARAM_DEFAULTS, ...WARM_START_DEFAULTS, seed: 7, warmStart: true });
    assert.deepEqual(resolveTrainingParams({ epochs: 3 }, () => 7, true), { ...TRAINING_PARAM_DEFAULTS, ...WARM_START_DEFAULTS, epochs: 3, seed: 7, warmStart: true });
  });

  test('trains from scratch by default when no version is active, and refuses an explicit warm start then', () => {
    assert.deepEqual(resolveTrainingParams({}, () => 7, false), { ...TRAINING_PARAM_DEFAULTS, seed: 7, warmStart: false });
    assert.throws(
      () => resolveTrainingParams({ warmStart: true }, () => 7, false),
      (error: unknown) => error instanceof TrainingParamError && error.field === 'warmStart' && /none is active/.test(error.message),
    );
  });

  test('keeps the values given', () => {
    const input = { epochs: 3, batchSize: 32, learningRate: 0.01, mnistLimit: 0, includeUserData: false, userSampleWeight: 0, augment: false, seed: 0, warmStart: true };
    assert.deepEqual(resolveTrainingParams(input), input);
  });

  test('names the field, its range and the value for anything out of range', () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ epochs: 1.5 }, 'epochs', 'epochs must be an integer from 1 to 50, got 1.5'],
      [{ batchSize: 7 }, 'batchSize', 'batchSize must be an integer from 8 to 1024, got 7'],
      [{ learningRate: 0 }, 'learningRate', 'learningRate must be a number from 0.00001 to 1, got 0'],
      [{ learningRate: Number.NaN }, 'learningRate', 'learningRate must be a number from 0.00001 to 1, got null'],
      [{ mnistLimit: 60_001 }, 'mnistLimit', 'mnistLimit must be an integer from 0 to 60000, got 60001'],
      [{ userSampleWeight: -1 }, 'userSampleWeight', 'userSampleWeight must be a number from 0 to 100, got -1'],
      [{ augment: 'yes' }, 'augment', 'augment must be true or false, got "yes"'],
      [{ warmStart: 1 }, 'warmStart', 'warmStart must be true or false, got 1'],
      [{ seed: 2 ** 31 }, 'seed', 'seed must be an integer from 0 to 2147483647, got 2147483648'],
    ];
    for (const [input, field, message] of cases) {
      assert.throws(
        () => resolveTrainingParams(input),
        (error: unknown) => error instanceof TrainingParamError && error.field === field && error.message === message,
        JSON.stringify(input),
      );
    }
  });

  test('refuses something that is not an object', () => {
    assert.throws(() => resolveTrainingParams([1]), /training parameters must be an object/);
  });
});
