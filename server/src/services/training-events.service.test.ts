import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TrainingEventRecord, TrainingEventType } from '../events/topics.js';
import { compactHistory } from './training-events.service.js';

const events = (types: TrainingEventType[]): TrainingEventRecord[] =>
  types.map((type, i) => ({ type, jobId: 'j', seq: i + 1, at: new Date(0).toISOString() }));

describe('compactHistory', () => {
  test('drops BATCH ticks a later event superseded', () => {
    const history = compactHistory(events(['QUEUED', 'STARTED', 'BATCH', 'BATCH', 'EPOCH', 'BATCH', 'EPOCH', 'EVALUATING', 'COMPLETED']));
    assert.deepEqual(history.map((e) => e.seq), [1, 2, 5, 7, 8, 9]);
  });

  test('keeps the last BATCH tick of a running job, the current progress', () => {
    const history = compactHistory(events(['QUEUED', 'STARTED', 'BATCH', 'BATCH']));
    assert.deepEqual(history.map((e) => e.seq), [1, 2, 4]);
  });
});
