import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import yauzl from 'yauzl';
import { assertNoOpenHandles } from './helpers/handles.js';
import { seedPredictions } from './helpers/predictions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Every entry of a zip file, by name. */
function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error || !file) return reject(error ?? new Error('no zip file'));
      const entries = new Map<string, Buffer>();
      file.on('error', reject);
      file.on('end', () => resolve(entries));
      file.on('entry', (entry: yauzl.Entry) => {
        file.openReadStream(entry, async (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          entries.set(entry.fileName, Buffer.concat(chunks));
          file.readEntry();
        });
      });
      file.readEntry();
    });
  });
}

interface Sample {
  label: number;
  pixels: Buffer;
}

describe('user dataset exports', () => {
  let server: TestServer;
  /** Labelled rows as the exports must list them: oldest first. */
  const labelled = () =>
    server.db.query<Sample & { id: string }>('SELECT id, label, pixels FROM predictions WHERE label IS NOT NULL ORDER BY created_at, id');

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('an empty dataset exports a CSV header and idx files of 0 images', async () => {
    const csv = await fetch(`${server.url}/export/user-dataset.csv`);
    assert.equal(csv.status, 200);
    assert.equal(csv.headers.get('x-sample-count'), '0');
    const lines = (await csv.text()).split('\n');
    assert.deepEqual(lines.slice(1), ['']);
    const zip = await unzip(Buffer.from(await (await fetch(`${server.url}/export/user-dataset.idx.zip`)).arrayBuffer()));
    assert.deepEqual(zip.get('user-images-idx3-ubyte'), Buffer.from([0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]));
    assert.deepEqual(zip.get('user-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 0]));
  });

  test('exports every labelled drawing, oldest first, as MNIST CSV: a label and 784 pixel values 0 to 255', async () => {
    await seedPredictions(server.db, { count: 40, clientId: 'export-a', label: 'CASE WHEN i % 4 <> 0 THEN (i * 3) % 10 END' });
    await seedPredictions(server.db, { count: 10, clientId: null, label: '(i % 10)' });
    const expected = await labelled();
    assert.equal(expected.length, 40);

    const response = await fetch(`${server.url}/export/user-dataset.csv`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/csv/);
    assert.match(response.headers.get('content-disposition')!, /attachment; filename="user-dataset.csv"/);
    assert.equal(response.headers.get('x-sample-count'), '40');
    const lines = (await response.text()).split('\n');
    assert.equal(lines.pop(), '', 'the file ends with a newline');
    const header = lines.shift()!.split(',');
    assert.equal(header.length, 785);
    assert.deepEqual(header.slice(0, 4), ['label', '1x1', '1x2', '1x3']);
    assert.deepEqual(header.slice(28, 30), ['1x28', '2x1']);
    assert.equal(header.at(-1), '28x28');
    assert.deepEqual(
      lines,
      expected.map((s) => [s.label, ...s.pixels].join(',')),
    );
  });

  test('exports the same drawings as an idx zip (user-images-idx3-ubyte, user-labels-idx1-ubyte)', async () => {
    const expected = await labelled();
    const response = await fetch(`${server.url}/export/user-dataset.idx.zip`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/zip');
    assert.equal(response.headers.get('x-sample-count'), String(expected.length));
    const zip = await unzip(Buffer.from(await response.arrayBuffer()));
    assert.deepEqual([...zip.keys()], ['user-images-idx3-ubyte', 'user-labels-idx1-ubyte']);
    const images = zip.get('user-images-idx3-ubyte')!;
    const labels = zip.get('user-labels-idx1-ubyte')!;
    assert.deepEqual([images.readUInt32BE(0), images.readUInt32BE(4), images.readUInt32BE(8), images.readUInt32BE(12)], [2051, expected.length, 28, 28]);
    assert.deepEqual([labels.readUInt32BE(0), labels.readUInt32BE(4)], [2049, expected.length]);
    assert.deepEqual(images.subarray(16), Buffer.concat(expected.map((s) => s.pixels)));
    assert.deepEqual(labels.subarray(8), Buffer.from(expected.map((s) => s.label)));
  });

  test('streams one consistent snapshot: rows labelled or deleted during a download change neither its count nor its rows', async () => {
    await seedPredictions(server.db, { count: 6_000, clientId: 'export-bulk', label: '(i % 10)' });
    const before = await labelled();
    const response = await fetch(`${server.url}/export/user-dataset.csv`);
    assert.equal(response.headers.get('x-sample-count'), String(before.length));
    const reader = response.body!.getReader();
    const chunks: Uint8Array[] = [];
    const first = await reader.read();
    chunks.push(first.value!);
    // Mid-download: delete half of the rows and label new ones.
    await server.db.query(`DELETE FROM predictions WHERE client_id = 'export-bulk' AND label % 2 = 0`);
    await seedPredictions(server.db, { count: 50, clientId: 'export-late', label: '1' });
    for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
    const lines = Buffer.concat(chunks).toString('latin1').split('\n').slice(1, -1);
    assert.equal(lines.length, before.length);
    assert.deepEqual(lines, before.map((s) => [s.label, ...s.pixels].join(',')));
    // The next export sees the changes.
    const after = await fetch(`${server.url}/export/user-dataset.csv`);
    assert.equal(after.headers.get('x-sample-count'), String((await labelled()).length));
    await after.arrayBuffer();
  });

  test('an aborted download gives its database connection back, and exports keep working', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/export/user-dataset.idx.zip`, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await assert.rejects(reader.read());
    // The export's connection is busy (active, or idle in its transaction
    // between cursor fetches) until the server notices the abort: wait for
    // it to be released or closed, not just for one idle-in-transaction moment.
    const stuck = async () =>
      (
        await server.db.query(
          `SELECT 1 FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND state <> 'idle' AND query LIKE '%FROM predictions WHERE%'`,
        )
      ).length;
    const deadline = Date.now() + 5_000;
    while ((await stuck()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await stuck(), 0, 'no connection is left inside the export transaction');
    const again = await fetch(`${server.url}/export/user-dataset.csv`);
    assert.equal(again.status, 200);
    await again.arrayBuffer();
  });

  test('keeps memory flat while streaming 50,000 drawings (retained heap stays within a few MiB)', async () => {
    await seedPredictions(server.db, { count: 50_000, clientId: 'export-memory', label: '(i % 10)' });
    const total = (await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM predictions WHERE label IS NOT NULL'))[0].n;
    for (const path of ['/export/user-dataset.csv', '/export/user-dataset.idx.zip']) {
      gc();
      const baseline = process.memoryUsage().heapUsed;
      let retained = 0;
      let samples = 0;
      // Every 100 ms, collect and see what the export still holds on to.
      const sampler = setInterval(() => {
        gc();
        retained = Math.max(retained, process.memoryUsage().heapUsed - baseline);
        samples++;
      }, 100);
      let bytes = 0;
      try {
        const response = await fetch(`${server.url}${path}`);
        assert.equal(response.headers.get('x-sample-count'), String(total));
        for await (const chunk of response.body!) bytes += (chunk as Uint8Array).byteLength;
      } finally {
        clearInterval(sampler);
      }
      assert.ok(samples >= 5, `${path}: measured ${samples} times`);
      // Buffering the rows alone would retain over 40 MiB (50,000 x 784 bytes).
      assert.ok(retained < 12 * 2 ** 20, `${path}: ${(retained / 2 ** 20).toFixed(1)} MiB retained while streaming ${(bytes / 2 ** 20).toFixed(0)} MiB`);
    }
  });
});
