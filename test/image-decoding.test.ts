/**
 * Images are decoded by a worker pool (PREPROCESS_THREADS), not on the
 * request thread: while big JPEGs are decoded the server's event loop keeps
 * turning. The server runs in this process, so its loop is this one, and
 * its `nodejs_eventloop_lag_max_seconds` (reset by every scrape) shows the
 * longest stall between two scrapes. The same requests with
 * PREPROCESS_THREADS=0 show what the pool prevents.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { jpegDataUrl } from './helpers/drawings.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { sampleValue, scrape } from './helpers/prometheus.js';
import { startTestServer } from './helpers/server.js';

const CLASSIFY_IMAGE = 'mutation($input: DrawingInput!) { classify(input: $input) { id digit inputKind } }';
const BIG = jpegDataUrl(2048, 1536);

/** The longest event-loop stall, in seconds, while three big JPEGs are classified one after another. */
async function stallWhileDecoding(preprocessThreads: number): Promise<{ stall: number; decodeMs: number }> {
  const server = await startTestServer({ config: { preprocessThreads } });
  try {
    // Warm up (the pool's thread loads its modules), then start the measured window.
    await server.graphql(CLASSIFY_IMAGE, { input: { image: jpegDataUrl(64, 48) } });
    await scrape(server.url);
    const started = performance.now();
    for (let i = 0; i < 3; i++) {
      const response = await server.graphql<{ classify: { digit: number; inputKind: string } }>(CLASSIFY_IMAGE, { input: { image: BIG } });
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      assert.equal(response.data?.classify.inputKind, 'IMAGE');
    }
    const decodeMs = (performance.now() - started) / 3;
    return { stall: sampleValue(await scrape(server.url), 'nodejs_eventloop_lag_max_seconds'), decodeMs };
  } finally {
    await server.close();
  }
}

after(async () => {
  await assertNoOpenHandles();
});

test('a big image is decoded off the request thread: the event loop keeps turning, where decoding on it stalls it for the whole decode', async (t) => {
  const pooled = await stallWhileDecoding(1);
  const inline = await stallWhileDecoding(0);
  t.diagnostic(`longest stall: ${(pooled.stall * 1000).toFixed(0)} ms with the pool, ${(inline.stall * 1000).toFixed(0)} ms decoding on the request thread (${inline.decodeMs.toFixed(0)} ms per classify)`);
  // Each classify of the 2048x1536 JPEG takes a few hundred ms, nearly all of it decoding.
  assert.ok(inline.decodeMs > 150, `a decode took ${inline.decodeMs.toFixed(0)} ms: the image is too small to show a stall`);
  assert.ok(inline.stall > 0.1, `decoding on the request thread stalls its loop (longest stall ${(inline.stall * 1000).toFixed(0)} ms)`);
  assert.ok(
    pooled.stall < Math.min(0.08, inline.stall / 3),
    `with the pool the loop's longest stall is ${(pooled.stall * 1000).toFixed(0)} ms (decoding on it: ${(inline.stall * 1000).toFixed(0)} ms)`,
  );
});
