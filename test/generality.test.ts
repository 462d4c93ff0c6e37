/**
 * A small, fixed slice of the generality benchmark (bench/generality.bench.ts)
 * as a regression test: handwriting that is not MNIST, through the public
 * classify mutation over HTTP, read by the committed model. The floors sit a
 * little below what the model and preprocessing score today, so a change
 * that makes real handwriting harder to read fails here.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../server/src/config.js';
import { accuracy, classifySamples, imageSamples, strokeSamples, type Outcome, type Sample } from './helpers/generality.js';
import { HANDWRITING_FONTS } from './helpers/handwriting-fonts.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { HandwritingPage } from './helpers/handwriting-page.js';
import { STROKE_TEMPLATES } from './helpers/handwriting-strokes.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Ten writers, printed and cursive, fine and marker pens, one with a European 1. */
const FONTS = HANDWRITING_FONTS.filter((font) =>
  [
    'architects-daughter',
    'caveat',
    'gloria-hallelujah',
    'homemade-apple',
    'indie-flower',
    'kalam',
    'permanent-marker',
    'rock-salt',
    'shadows-into-light',
    'zeyada',
  ].includes(font.id),
);

/** Lists the misses, so a failure says which digits went wrong and how. */
function misses(outcomes: readonly Outcome[]): string {
  return outcomes
    .filter((o) => o.predicted !== o.sample.digit)
    .map((o) => `${o.sample.id} → ${o.predicted ?? o.error}`)
    .join('\n');
}

describe('generality: handwriting that is not MNIST, through classify over HTTP', () => {
  let server: TestServer;
  let images: Sample[];
  let strokes: Sample[];

  before(async () => {
    assert.equal(FONTS.length, 10, 'every font of the subset is in the font list');
    const page = await HandwritingPage.open(FONTS);
    try {
      images = await imageSamples(page, FONTS, ['clean', 'tight', 'ruled']);
      // Templates only (one jittered drawing per style), not font skeletons.
      strokes = (await strokeSamples(page, [], 0, 2)).filter((s) => s.source === 'template');
    } finally {
      await page.close();
    }
    server = await startTestServer({
      model: 'none',
      config: { defaultModelDir: join(REPO_ROOT, 'data', 'model'), runWorker: false, classifyRateLimit: 0 },
    });
  });
  after(async () => {
    await server?.close();
    await assertNoOpenHandles();
  });

  test('reads at least 95% of ten fonts’ digits as clean PNGs', async () => {
    const outcomes = await classifySamples(server.url, images.filter((s) => s.variation === 'clean'));
    assert.equal(outcomes.length, 100);
    assert.deepEqual(outcomes.filter((o) => o.error).map((o) => o.error), [], 'every image is accepted');
    assert.ok(accuracy(outcomes) >= 0.95, `accuracy ${accuracy(outcomes)}; misses:\n${misses(outcomes)}`);
  });

  test('reads at least 95% of the same digits cropped to their ink, touching the image border', async () => {
    const outcomes = await classifySamples(server.url, images.filter((s) => s.variation === 'tight'));
    assert.equal(outcomes.length, 100);
    assert.deepEqual(outcomes.filter((o) => o.error).map((o) => o.error), [], 'no tight crop is taken for a blank image');
    assert.ok(accuracy(outcomes) >= 0.95, `accuracy ${accuracy(outcomes)}; misses:\n${misses(outcomes)}`);
  });

  test('reads at least 93% of the same digits photographed on ruled paper, the rules through them', async () => {
    const outcomes = await classifySamples(server.url, images.filter((s) => s.variation === 'ruled'));
    assert.equal(outcomes.length, 100);
    assert.ok(accuracy(outcomes) >= 0.93, `accuracy ${accuracy(outcomes)}; misses:\n${misses(outcomes)}`);
  });

  test('reads at least 90% of pen strokes in every template style (open 4, crossed 7, looped 2 ...), jittered', async () => {
    const outcomes = await classifySamples(server.url, strokes);
    const styles = Object.values(STROKE_TEMPLATES).reduce((n, digit) => n + Object.keys(digit).length, 0);
    assert.equal(outcomes.length, 2 * styles);
    assert.ok(accuracy(outcomes) >= 0.9, `accuracy ${accuracy(outcomes)}; misses:\n${misses(outcomes)}`);
  });
});
