/**
 * The Performance page in a real Chromium against the real server: accuracy
 * from the labels overall, per digit, per version and over time, the
 * confusion matrix, how sure the model was when right and when wrong, and a
 * live update when someone labels a drawing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadMnist } from '../../server/src/ml/mnist.js';
import { CLASSIFY, onePixels, type ClassifyResult } from '../helpers/drawings.js';
import { graphql } from '../helpers/graphql.js';
import { openPage, saveScreenshot, startApp, type App, waitUntilLive } from './harness.js';
import { useServerAndBrowser } from './suite.js';

/** Labelled predictions seeded per owner. */
const SEEDED = 80;

/** The confidence stored with seeded answer `i`: high when right, lower when wrong (all exact in float4). */
const seededConfidence = (i: number): number => (i % 3 === 2 ? [0.5, 0.75][(i >> 1) % 2]! : [0.96875, 0.90625][i % 3]!);

/**
 * Stores `count` labelled predictions of `clientId` on MNIST test digits,
 * one every four hours back from now (so "over time" has daily points); the
 * answer is wrong for every third (i % 3 == 2), so 54 of 80 are right.
 */
async function seedLabelled(app: App, clientId: string, count: number): Promise<void> {
  const mnist = loadMnist('test', count);
  const [model] = await app.db.query<{ id: string }>('SELECT id FROM model_versions ORDER BY version LIMIT 1');
  assert.ok(model, 'the server imported a model');
  for (let i = 0; i < count; i++) {
    const truth = mnist.labels[i]!;
    const digit = i % 3 === 2 ? (truth + 3) % 10 : truth;
    const pixels = Buffer.from(Array.from(mnist.images.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)));
    await app.db.query(
      `INSERT INTO predictions (model_version_id, client_id, pixels, probabilities, digit, confidence, label, input_kind, created_at, labeled_at)
       VALUES ($1, $2, $3, array_fill(0.1::real, ARRAY[10]), $4, $7, $5, 'pixels', now() - $6 * interval '4 hours', now())`,
      [model.id, clientId, pixels, digit, truth, i, seededConfidence(i)],
    );
  }
}

describe('Performance page', { timeout: 240_000 }, () => {
  const suite = useServerAndBrowser(() => startApp());

  test('shows the accuracy from the labels, updates live when a drawing is labelled, and narrows to your own labels', async () => {
    const { page, context, errors } = await openPage(suite.browser);
    try {
      await page.goto(`${suite.server.url}/performance`);
      await waitUntilLive(page);
      await page.getByText('No labelled drawings here yet').waitFor();
      const cookie = (await context.cookies()).find((c) => c.name === 'mnist_client_id');
      assert.ok(cookie, 'the server set the client-id cookie');
      await seedLabelled(suite.server, cookie.value, SEEDED);
      await seedLabelled(suite.server, '00000000-0000-4000-8000-000000000001', 20);

      await page.reload();
      await page.getByTestId('labeled-count').filter({ hasText: '100' }).waitFor();
      // 54 of my 80 and 14 of the other 20 (i % 3 != 2) are right: 68 %.
      assert.equal(await page.getByTestId('overall-accuracy').textContent(), '68.0%');
      const rows = page.getByTestId('per-class').locator('tbody tr');
      assert.equal(await rows.count(), 10, 'a row per digit');
      const version = page.getByTestId('by-model').locator('tbody tr');
      assert.equal(await version.count(), 1);
      assert.match((await version.textContent()) ?? '', /v1.*100.*68.*68\.0%/s);
      await page.getByTestId('accuracy-over-time').locator('canvas').first().waitFor();
      const diagonal = await page.getByTestId('performance-confusion').locator('td.diag').allTextContents();
      assert.equal(diagonal.reduce((sum, n) => sum + Number(n), 0), 68, 'the diagonal holds the right answers');
      // How sure it was: the seeded confidences, right and wrong apart, over both owners' 80 + 20.
      await page.getByTestId('confidence-chart').locator('canvas').first().waitFor();
      const seeded = [...Array.from({ length: SEEDED }, (_, i) => i), ...Array.from({ length: 20 }, (_, i) => i)];
      const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
      const right = mean(seeded.filter((i) => i % 3 !== 2).map(seededConfidence));
      const wrong = mean(seeded.filter((i) => i % 3 === 2).map(seededConfidence));
      assert.equal(
        (await page.getByTestId('confidence-means').textContent())?.replace(/\s+/g, ' ').trim(),
        `mean confidence ${(right * 100).toFixed(1)}% when right, ${(wrong * 100).toFixed(1)}% when wrong`,
      );

      // Someone else labels a drawing: the figures follow without a reload.
      const other = { 'x-client-id': '00000000-0000-4000-8000-000000000002' };
      const classified = await graphql<ClassifyResult>(suite.server.url, CLASSIFY, { input: { pixels: onePixels() } }, { headers: other });
      assert.ok(classified.data, JSON.stringify(classified.errors));
      const labelled = await graphql(suite.server.url, 'mutation ($id: ID!) { labelPrediction(id: $id, label: 1) { id } }', { id: classified.data.classify.id }, { headers: other });
      assert.equal(labelled.errors, undefined, JSON.stringify(labelled.errors));
      await page.getByTestId('labeled-count').filter({ hasText: '101' }).waitFor();

      await page.getByRole('radio', { name: 'Mine' }).check();
      await page.getByTestId('labeled-count').filter({ hasText: /^80$/ }).waitFor();
      assert.equal(await page.getByTestId('overall-accuracy').textContent(), '67.5%');
      // My mistakes link to my history, filtered to that cell.
      const mistake = page.getByTestId('performance-confusion').locator('td a').first();
      const href = await mistake.getAttribute('href');
      assert.match(href ?? '', /^\/history\?label=\d&digit=\d$/);
      await mistake.click();
      await page.waitForURL(/\/history\?label=\d&digit=\d$/);
      await page.getByTestId('history-item').first().waitFor();

      for (const theme of ['light', 'dark'] as const) {
        for (const [device, options] of [
          ['desktop', { colorScheme: theme }],
          ['phone', { colorScheme: theme, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 }],
        ] as const) {
          const view = await openPage(suite.browser, options);
          try {
            await view.page.goto(`${suite.server.url}/performance`);
            await view.page.getByTestId('accuracy-over-time').locator('canvas').first().waitFor();
            await view.page.waitForTimeout(300);
            if (device === 'phone') {
              assert.equal(await view.page.evaluate('document.documentElement.scrollWidth'), 390, 'nothing overflows sideways on a phone');
            }
            await saveScreenshot(view.page, `performance-${device}-${theme}`);
          } finally {
            await view.context.close();
          }
          assert.deepEqual(view.errors, []);
        }
      }
    } finally {
      await context.close();
    }
    assert.deepEqual(errors, []);
  });
});
