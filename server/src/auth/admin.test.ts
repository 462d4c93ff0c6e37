import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IncomingMessage } from 'node:http';
import { AdminAuth, adminDenied, assertAdminTokenConfigured, bearerToken } from './admin.js';
import { callerAddress, compileTrust, isLocalRequest } from './caller.js';

const TOKEN = 'admin-token-0123456789abcdef';
const request = (remoteAddress: string, headers: Record<string, string> = {}) =>
  ({ socket: { remoteAddress }, connection: { remoteAddress }, headers }) as unknown as IncomingMessage;

describe('admin token', () => {
  test('reads a bearer token, or a bare one, and nothing else', () => {
    assert.equal(bearerToken(`Bearer ${TOKEN}`), TOKEN);
    assert.equal(bearerToken(`bearer   ${TOKEN} `), TOKEN);
    assert.equal(bearerToken(TOKEN), TOKEN);
    assert.equal(bearerToken('Basic a b'), undefined);
    assert.equal(bearerToken(undefined), undefined);
    assert.equal(bearerToken(42), undefined);
  });

  test('with a token configured, only that token grants access, wherever the call comes from', () => {
    const auth = new AdminAuth(TOKEN);
    assert.deepEqual(auth.check(TOKEN, false), { granted: true, via: 'token' });
    assert.deepEqual(auth.check(undefined, true), { granted: false, code: 'UNAUTHENTICATED', reason: 'missing' });
    assert.deepEqual(auth.check(`${TOKEN}x`, true), { granted: false, code: 'UNAUTHENTICATED', reason: 'wrong' });
    assert.deepEqual(auth.check(TOKEN.slice(0, -1), true), { granted: false, code: 'UNAUTHENTICATED', reason: 'wrong' });
  });

  test('without a token configured, only local calls are admin', () => {
    const auth = new AdminAuth(undefined);
    assert.deepEqual(auth.check(undefined, true), { granted: true, via: 'loopback' });
    assert.deepEqual(auth.check('anything-at-all-long', false), { granted: false, code: 'FORBIDDEN', reason: 'remote' });
  });

  test('refusals say what to send', () => {
    assert.match(adminDenied({ granted: false, code: 'UNAUTHENTICATED', reason: 'missing' }, '`startTraining`').message, /Authorization: Bearer <ADMIN_TOKEN>.*connectionParams/);
    const remote = adminDenied({ granted: false, code: 'FORBIDDEN', reason: 'remote' }, '`activateModel`');
    assert.equal(remote.extensions.code, 'FORBIDDEN');
    assert.match(remote.message, /set ADMIN_TOKEN on the server/);
  });

  test('production refuses to start without a token', () => {
    assert.throws(() => assertAdminTokenConfigured({ nodeEnv: 'production', adminToken: undefined }), /ADMIN_TOKEN is required when NODE_ENV=production/);
    assert.doesNotThrow(() => assertAdminTokenConfigured({ nodeEnv: 'production', adminToken: TOKEN }));
    assert.doesNotThrow(() => assertAdminTokenConfigured({ nodeEnv: 'development', adminToken: undefined }));
  });
});

describe('caller', () => {
  test('a loopback peer is local unless a proxy forwarded the request', () => {
    assert.equal(isLocalRequest(request('127.0.0.1')), true);
    assert.equal(isLocalRequest(request('::1')), true);
    assert.equal(isLocalRequest(request('::ffff:127.0.0.1')), true);
    assert.equal(isLocalRequest(request('10.1.2.3')), false);
    assert.equal(isLocalRequest(request('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' })), false);
    assert.equal(isLocalRequest(request('127.0.0.1', { forwarded: 'for=203.0.113.9' })), false);
  });

  test('believes X-Forwarded-For only from trusted proxies', () => {
    const forwarded = request('10.0.0.2', { 'x-forwarded-for': '203.0.113.9' });
    assert.equal(callerAddress(forwarded, compileTrust(false)), '10.0.0.2');
    assert.equal(callerAddress(forwarded, compileTrust('10.0.0.0/8')), '203.0.113.9');
    assert.equal(callerAddress(forwarded, compileTrust(1)), '203.0.113.9');
    assert.equal(callerAddress(forwarded, compileTrust('loopback')), '10.0.0.2');
  });
});
