import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTopicPayload } from './topics.js';

describe('parseTopicPayload', () => {
  test('accepts a training event notice with its event inline', () => {
    const notice = { jobId: 'j1', seq: 3, event: { jobId: 'j1', seq: 3, at: '2025-01-01T00:00:00.000Z', type: 'BATCH', loss: 0.5, progress: 0.1 } };
    assert.deepEqual(parseTopicPayload('trainingEvent', JSON.stringify(notice)), notice);
  });

  test('names what is wrong in a malformed notification', () => {
    assert.throws(() => parseTopicPayload('trainingEvent', 'not json'), /trainingEvent notification is not JSON/);
    assert.throws(() => parseTopicPayload('trainingEvent', '{"jobId":"j","seq":0}'), /trainingEvent notification: seq:/);
    assert.throws(
      () => parseTopicPayload('trainingEvent', JSON.stringify({ jobId: 'j', seq: 1, event: { jobId: 'j', seq: 1, at: 'x', type: 'EXPLODED' } })),
      /event\.type/,
    );
    assert.throws(() => parseTopicPayload('modelActivated', '{}'), /modelActivated notification: modelVersionId/);
  });
});
