import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../server/src/config.js';
import { withTestDatabase, type TestDatabase } from './helpers/database.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { createUntrainedModelDir, type TestModelDir } from './helpers/model.js';

const read = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');
const ADMIN_TOKEN = 'container-test-token-0123456789';

/** The image's CMD (exec form). */
function dockerCmd(): string[] {
  const line = read('Dockerfile').split('\n').find((l) => l.startsWith('CMD '));
  assert.ok(line, 'the Dockerfile has a CMD');
  return JSON.parse(line.slice(4)) as string[];
}

/** The worker service's command in docker-compose.yml (a flow sequence on one line). */
function workerCommand(): string[] {
  const match = /worker:\n(?:.*\n)*?\s+command: (\[.*\])/.exec(read('docker-compose.yml'));
  assert.ok(match, 'the worker service has a command');
  return JSON.parse(match[1]) as string[];
}

/** Runs `command` as the image would (from the repo root) until `ready` matches a log line; then SIGTERM. */
async function runUntil(command: string[], env: Record<string, string>, ready: RegExp): Promise<{ line: string; exitCode: number | null; output: string }> {
  assert.equal(command[0], 'node');
  const child = spawn(process.execPath, command.slice(1), { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${ready} within 90 s:\n${output}`)), 90_000);
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
        const found = output.split('\n').find((l) => ready.test(l));
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      });
      void exited.then((code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });
    return { line, exitCode: null, output };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

describe('the container image commands, run on this host', () => {
  let db: TestDatabase;
  let model: TestModelDir;

  before(async () => {
    db = await withTestDatabase();
    model = await createUntrainedModelDir();
  });
  after(async () => {
    await db?.close();
    await model?.remove();
    await assertNoOpenHandles();
  });

  test('the Dockerfile CMD starts the API in production mode (with the tracing preload) and answers /healthz', async () => {
    const env = { NODE_ENV: 'production', ADMIN_TOKEN, DATABASE_URL: db.url, DEFAULT_MODEL_DIR: model.dir, PORT: '0', HOST: '127.0.0.1', RUN_WORKER: 'false', LOG_LEVEL: 'info' };
    let health = 0;
    const command = dockerCmd();
    assert.ok(command.includes('--import'), 'the tracing preload is part of the command');
    const child = spawn(process.execPath, command.slice(1), { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not listening within 90 s:\n${output}`)), 90_000);
        child.stdout.on('data', (c: Buffer) => {
          output += c.toString();
          const match = /"url":"(http:[^"]+)".*"msg":"MNIST Studio is listening"/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        void exited.then((code) => reject(new Error(`exited with ${code}:\n${output}`)));
      });
      health = (await fetch(`${url}/healthz`)).status;
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, output);
    assert.equal(health, 200);
  });

  test('the compose worker command starts a training worker against the same database', async () => {
    const { line } = await runUntil(workerCommand(), { NODE_ENV: 'production', DATABASE_URL: db.url, LOG_LEVEL: 'info' }, /"msg":"worker ready"/);
    assert.match(line, /worker ready/);
  });
});

describe('configuration files', () => {
  test('.env.example documents every variable the server reads and every one docker-compose.yml uses', () => {
    const documented = new Set([...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const config = read('server/src/config.ts');
    const read_ = [...config.matchAll(/^\s{4}([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]);
    assert.ok(read_.length > 20, 'found the variables in config.ts');
    for (const name of read_) assert.ok(documented.has(name), `.env.example documents ${name}`);
    for (const [, name] of read('docker-compose.yml').matchAll(/\$\{([A-Z][A-Z0-9_]+)/g)) {
      assert.ok(documented.has(name) || name.startsWith('OTEL_'), `.env.example documents ${name} (used by docker-compose.yml)`);
    }
  });

  const compose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
  test(
    'docker-compose.yml is valid for docker-compose, and refuses to start without ADMIN_TOKEN',
    { skip: compose.status === 0 ? false : 'docker-compose is not installed (apt-get install docker-compose)' },
    () => {
      const ok = spawnSync('docker-compose', ['config', '-q'], { cwd: REPO_ROOT, env: { ...process.env, ADMIN_TOKEN }, encoding: 'utf8' });
      assert.equal(ok.status, 0, ok.stderr);
      const missing = spawnSync('docker-compose', ['config', '-q'], { cwd: REPO_ROOT, env: { ...process.env, ADMIN_TOKEN: '' }, encoding: 'utf8' });
      assert.notEqual(missing.status, 0);
      assert.match(missing.stderr, /set ADMIN_TOKEN/);
    },
  );
});
