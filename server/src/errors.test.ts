import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GraphQLError } from 'graphql';
import { apiError, coerceError, errorCode, ErrorCode, maskInternalError } from './errors.js';

describe('errors', () => {
  test('apiError puts a stable code (and details) in extensions', () => {
    const error = apiError(ErrorCode.EMPTY_DRAWING, 'The drawing is empty: draw a digit.', { field: 'input.strokes' });
    assert.ok(error instanceof GraphQLError);
    assert.deepEqual(error.extensions, { field: 'input.strokes', code: 'EMPTY_DRAWING' });
    assert.equal(errorCode(error), 'EMPTY_DRAWING');
    assert.equal(errorCode(new Error('plain')), undefined);
  });

  test('in production an internal error keeps only a generic message', () => {
    const internal = { message: 'relation "predictions" does not exist', path: ['classify'], extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x'] } };
    const masked = maskInternalError(internal, true);
    assert.equal(masked.extensions?.code, 'INTERNAL_SERVER_ERROR');
    assert.doesNotMatch(masked.message, /predictions/);
    assert.equal(masked.extensions?.stacktrace, undefined);
    assert.deepEqual(masked.path, ['classify']);
    const noCode = maskInternalError({ message: 'secret detail' }, true);
    assert.doesNotMatch(noCode.message, /secret/);
  });

  test('client-facing errors and development errors pass unchanged', () => {
    const client = { message: 'Give exactly one of …', extensions: { code: 'BAD_USER_INPUT' } };
    assert.equal(maskInternalError(client, true), client);
    const internal = { message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    assert.equal(maskInternalError(internal, false), internal);
  });

  test('coerceError turns anything thrown into an Error', () => {
    const error = new Error('x');
    assert.equal(coerceError(error), error);
    assert.equal(coerceError('text').message, 'text');
    const fromObject = coerceError({ reason: 42 });
    assert.match(fromObject.message, /reason.*42/);
    assert.deepEqual(fromObject.cause, { reason: 42 });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.ok(coerceError(circular) instanceof Error);
  });
});
