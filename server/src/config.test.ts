import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig, REPO_ROOT, withOverrides } from './config.js';

describe('loadConfig', () => {
  test('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({}, '/srv/app');
    assert.equal(config.port, 3000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.dataDir, '/srv/app/.data');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.nodeEnv, 'development');
    assert.equal(config.tfBackend, 'auto');
    assert.equal(config.bodyLimit, 4 * 1024 * 1024);
    assert.equal(config.defaultModelDir, join(REPO_ROOT, 'data/model'));
  });

  test('reads every variable, trimming and accepting underscores in numbers', () => {
    const config = loadConfig(
      {
        PORT: ' 8080 ',
        HOST: '127.0.0.1',
        DATA_DIR: '/var/lib/mnist',
        DATABASE_URL: 'postgresql://u:p@db:5432/mnist',
        LOG_LEVEL: 'DEBUG',
        NODE_ENV: 'production',
        TF_BACKEND: 'wasm',
        BODY_LIMIT: '1_000_000',
        MAX_IMAGE_BYTES: '100000',
        MAX_IMAGE_SIDE: '1024',
        MAX_STROKE_POINTS: '5000',
        MAX_QUERY_DEPTH: '8',
        DEFAULT_MODEL_DIR: '/models/default',
        SHUTDOWN_TIMEOUT_MS: '2000',
      },
      '/srv/app',
    );
    const expected = {
        port: 8080,
        host: '127.0.0.1',
        dataDir: '/var/lib/mnist',
        databaseUrl: 'postgresql://u:p@db:5432/mnist',
        embeddedPostgresPort: 0,
        logLevel: 'debug',
        nodeEnv: 'production',
        tfBackend: 'wasm',
        bodyLimit: 1_000_000,
        maxImageBytes: 100_000,
        maxImageSide: 1024,
        maxStrokePoints: 5000,
        maxQueryDepth: 8,
        defaultModelDir: '/models/default',
        shutdownTimeoutMs: 2000,
      };
    const read = Object.fromEntries(Object.keys(expected).map((key) => [key, config[key as keyof typeof config]]));
    assert.deepEqual(read, expected);
  });

  test('says which value is wrong and what it expects', () => {
    assert.throws(() => loadConfig({ PORT: 'abc' }), {
      name: 'ConfigError',
      message: /PORT must be an integer from 0 to 65535 \(0 picks a free port\), got "abc"/,
    });
    assert.throws(() => loadConfig({ PORT: '70000' }), /PORT must be an integer from 0 to 65535.*got "70000"/);
    assert.throws(() => loadConfig({ PORT: '3.5' }), /got "3.5"/);
    assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"/);
    assert.throws(() => loadConfig({ TF_BACKEND: 'gpu' }), /TF_BACKEND must be one of auto, wasm, tensorflow, got "gpu"/);
    assert.throws(() => loadConfig({ MAX_STROKE_POINTS: '20000' }), /MAX_STROKE_POINTS must be an integer from 2 to 10000/);
  });

  test('lists every wrong variable at once, pointing at .env.example', () => {
    try {
      loadConfig({ PORT: 'x', NODE_ENV: 'staging', BODY_LIMIT: '-1' });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /\.env\.example/);
      for (const name of ['PORT', 'NODE_ENV', 'BODY_LIMIT']) assert.match(error.message, new RegExp(`- ${name} must`));
    }
  });

  test('refuses a DATABASE_URL that is not a postgres URL without echoing its password', () => {
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db/x' }),
      (error: Error) => /DATABASE_URL must be a URL like postgres:\/\//.test(error.message) && !error.message.includes('hunter2'),
    );
  });

  test('returns a frozen object; overrides make a new frozen one', () => {
    const config = loadConfig({});
    assert.ok(Object.isFrozen(config));
    const changed = withOverrides(config, { port: 0 });
    assert.equal(changed.port, 0);
    assert.equal(config.port, 3000);
    assert.ok(Object.isFrozen(changed));
  });
});
