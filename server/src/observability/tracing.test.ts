import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { REPO_ROOT } from '../config.js';
import { withTestDatabase, type TestDatabase } from '../../../test/helpers/database.js';
import { CLASSIFY, onePixels } from '../../../test/helpers/drawings.js';
import { graphql } from '../../../test/helpers/graphql.js';
import { createUntrainedModelDir, type TestModelDir } from '../../../test/helpers/model.js';

const DIST = join(REPO_ROOT, 'server', 'dist', 'server', 'src');
const TRACING = join(DIST, 'observability', 'tracing.js');
const MAIN = join(DIST, 'main.js');

interface Span {
  name: string;
  traceId: string;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
}

describe('OpenTelemetry tracing', () => {
  let collector: Server;
  let endpoint: string;
  const spans: Span[] = [];
  let db: TestDatabase;
  let model: TestModelDir;

  before(async () => {
    // A stand-in OTLP/HTTP collector: takes JSON trace exports and keeps their spans.
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        if (req.url === '/v1/traces') {
          const payload = JSON.parse(body.toString()) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Span[] }> }> };
          for (const r of payload.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    db = await withTestDatabase();
    model = await createUntrainedModelDir();
  });
  after(async () => {
    await new Promise((resolve) => collector.close(resolve));
    await db?.close();
    await model?.remove();
  });

  test('exports spans of HTTP, GraphQL and Postgres for a classify request when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const child = spawn(process.execPath, ['--import', TRACING, MAIN], {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: db.url,
        DEFAULT_MODEL_DIR: model.dir,
        RUN_WORKER: 'false',
        NODE_ENV: 'test',
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_SERVICE_NAME: 'mnist-studio-test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not listening within 60 s:\n${output}`)), 60_000);
        child.stdout.on('data', (c: Buffer) => {
          output += c.toString();
          const match = /"url":"(http:[^"]+)".*"msg":"MNIST Studio is listening"/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
      });
      const response = await graphql(url, CLASSIFY, { input: { pixels: onePixels() } });
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const deadline = Date.now() + 15_000;
      const names = () => spans.map((s) => s.name);
      while (Date.now() < deadline && !(names().some((n) => /^POST/.test(n)) && names().some((n) => /^pg\.query/.test(n)) && names().some((n) => /graphql/i.test(n) || /classify/i.test(n)))) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const http = spans.find((s) => /^POST/.test(s.name));
      assert.ok(http, `an HTTP server span; got ${names().join(', ')}`);
      const pgSpan = spans.find((s) => /^pg\.query/.test(s.name) && s.traceId === http.traceId);
      assert.ok(pgSpan, `a Postgres span in the request's trace; got ${names().join(', ')}`);
      assert.ok(spans.some((s) => (/graphql/i.test(s.name) || /classify/i.test(s.name)) && s.traceId === http.traceId), `a GraphQL span; got ${names().join(', ')}`);
      await fetch(`${url}/healthz`).then((r) => r.arrayBuffer());
      await fetch(`${url}/metrics`).then((r) => r.arrayBuffer());
      await new Promise((resolve) => setTimeout(resolve, 500));
      const paths = spans.filter((s) => /^GET/.test(s.name)).map((s) => JSON.stringify(s.attributes ?? []));
      assert.ok(!paths.some((p) => /\/healthz|\/metrics/.test(p)), `probes and scrapes are not traced: ${paths.join('\n')}`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    }
  });

  test('stays off, loading no SDK, without an endpoint or with OTEL_SDK_DISABLED=true', () => {
    const probe = `const t = await import(${JSON.stringify(TRACING)}); console.log(t.tracing);`;
    for (const extra of [{ OTEL_EXPORTER_OTLP_ENDPOINT: '' }, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: 'true' }]) {
      const result = spawnSync(process.execPath, ['--import', TRACING, '--input-type=module', '-e', probe], {
        env: { ...process.env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', ...extra },
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(result.stdout.trim(), 'off', result.stderr);
    }
  });
});
