import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveTrainingParams, TRAINING_PARAM_DEFAULTS, TrainingParamError } from './training-params.js';

describe('resolveTrainingParams', () => {
  test('fills every omitted or null field with its default and draws a seed', () => {
    const params = resolveTrainingParams({ epochs: null }, () => 1234);
    assert.deepEqual(params, { ...TRAINING_PARAM_DEFAULTS, seed: 1234 });
  });

  test('keeps the values given', () => {
    const input = { epochs: 3, batchSize: 32, learningRate: 0.01, mnistLimit: 0, includeUserData: false, userSampleWeight: 0, augment: false, seed: 0 };
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
