/**
 * The History page in a real Chromium against the real server: a drawing
 * labelled on the Draw page shows up with its thumbnail and verdict, can be
 * relabelled, filtered and deleted; many drawings page with "load more".
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { loadMnist } from '../../server/src/ml/mnist.js';
import { drawStroke, openPage, saveScreenshot, SEVEN, startApp, type App, type OpenedPage, waitUntilLive } from './harness.js';
import { usePagePerTest } from './suite.js';

/** The `mnist_client_id` cookie the server gave this browser context. */
async function clientIdOf(opened: OpenedPage): Promise<string> {
  const cookie = (await opened.context.cookies()).find((c) => c.name === 'mnist_client_id');
  assert.ok(cookie, 'the server set the client-id cookie');
  return cookie.value;
}

/**
 * Stores `count` predictions owned by `clientId` whose inputs are MNIST test
 * digits (so thumbnails look like handwriting): the model "said" the true
 * digit for two in three, a neighbour otherwise; every other one labelled.
 */
async function seedMnistPredictions(app: App, clientId: string, count: number): Promise<void> {
  const mnist = loadMnist('test', count);
  const [model] = await app.db.query<{ id: string }>('SELECT id FROM model_versions ORDER BY version LIMIT 1');
  assert.ok(model, 'the server imported a model');
  for (let i = 0; i < count; i++) {
    const truth = mnist.labels[i]!;
    const digit = i % 3 === 2 ? (truth + 1) % 10 : truth;
    const label = i % 2 === 0 ? truth : null;
    const pixels = Buffer.from(Array.from(mnist.images.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)));
    const probabilities = Array.from({ length: 10 }, (_, d) => (d === digit ? 0.82 : 0.02));
    await app.db.query(
      `INSERT INTO predictions (model_version_id, client_id, pixels, probabilities, digit, confidence, label, input_kind, created_at, labeled_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pixels', now() - $8 * interval '1 minute', CASE WHEN $7::smallint IS NULL THEN NULL ELSE now() END)`,
      [model.id, clientId, pixels, probabilities, digit, 0.6 + (i % 4) * 0.1, label, i + 1],
    );
  }
}

describe('History page', { timeout: 240_000 }, () => {
  const suite = usePagePerTest(() => startApp());

  beforeEach(async () => {
    await suite.server.db.query('DELETE FROM predictions');
  });

  const items = () => suite.page.getByTestId('history-item');
  const live = () => waitUntilLive(suite.page);

  test('a drawing labelled on the Draw page appears with its verdict, and can be relabelled, filtered and deleted', async () => {
    await suite.page.goto(`${suite.server.url}/`);
    await live();
    const canvas = suite.page.getByLabel('Drawing area');
    for (const stroke of SEVEN) await drawStroke(suite.page, canvas, stroke);
    await suite.page.getByTestId('top-digit').filter({ hasText: /^\d$/ }).waitFor();
    await suite.page.keyboard.press('7');
    await suite.page.getByTestId('label-status').filter({ hasText: 'Saved as 7' }).waitFor();

    await suite.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'History' }).waitFor();
    await items().first().waitFor();
    const labelled = items().filter({ has: suite.page.getByTestId('label-verdict').filter({ hasText: 'Labelled 7' }) });
    assert.equal(await labelled.count(), 1, 'exactly one drawing carries the label 7');
    const id = await labelled.getAttribute('data-id');
    assert.ok(id);
    const thumbnailInk = await labelled.locator('canvas').evaluate((canvas) => {
      // No DOM types in the test build: the canvas API as used here.
      const c = canvas as unknown as { getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
      const data = c.getContext('2d').getImageData(0, 0, 28, 28).data;
      let lit = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! > 0) lit++;
      return lit;
    });
    assert.ok(thumbnailInk > 10, `the thumbnail shows the drawing, ${thumbnailInk} lit pixels`);

    const item = items().and(suite.page.locator(`[data-id="${id}"]`));
    await item.getByRole('button', { name: 'Relabel' }).click();
    assert.equal(await suite.page.evaluate('document.activeElement.textContent.trim()'), '0', 'the digit choice takes the focus');
    await item.getByRole('button', { name: '1', exact: true }).click();
    await item.getByTestId('label-verdict').filter({ hasText: 'Labelled 1' }).waitFor();
    const [row] = await suite.server.db.query<{ label: number }>('SELECT label FROM predictions WHERE id = $1', [id]);
    assert.equal(row?.label, 1, 'the new label is stored');

    await suite.page.getByLabel('Label', { exact: true }).selectOption('1');
    await suite.page.waitForURL(/label=1/);
    await suite.page.getByTestId('history-total').filter({ hasText: '1 drawing match' }).waitFor();
    assert.equal(await items().count(), 1);
    await suite.page.getByLabel('Label', { exact: true }).selectOption('2');
    await suite.page.getByText('No drawings match these filters').waitFor();
    await suite.page.getByRole('button', { name: 'Clear the filters' }).click();
    await suite.page.waitForURL(`${suite.server.url}/history`);
    await item.waitFor();

    const before = await items().count();
    await item.getByRole('button', { name: /^Delete drawing/ }).click();
    assert.equal(await suite.page.evaluate('document.activeElement.textContent.trim()'), 'Keep it', 'the safe choice takes the focus');
    await item.getByRole('button', { name: 'Keep it' }).click();
    assert.equal(await items().count(), before, 'keeping it deletes nothing');
    await item.getByRole('button', { name: /^Delete drawing/ }).click();
    await item.getByRole('button', { name: 'Delete', exact: true }).click();
    await item.waitFor({ state: 'detached' });
    assert.equal(await items().count(), before - 1);
    const gone = await suite.server.db.query('SELECT 1 FROM predictions WHERE id = $1', [id]);
    assert.equal(gone.length, 0, 'the prediction is deleted');
  });

  test('many drawings page with "load more", filter by status, and look right in both themes and on a phone', async () => {
    await suite.page.goto(`${suite.server.url}/history`);
    await live();
    await suite.page.getByText('No drawings yet').waitFor();
    await seedMnistPredictions(suite.server, await clientIdOf(suite.opened), 60);

    await suite.page.reload();
    await suite.page.getByTestId('history-total').filter({ hasText: '60 drawings' }).waitFor();
    assert.equal(await items().count(), 24, 'a first page of 24');
    await suite.page.getByRole('button', { name: 'Load 24 more' }).click();
    await suite.page.getByText('Showing 48 of 60').waitFor();
    await suite.page.getByRole('button', { name: 'Load 12 more' }).click();
    await suite.page.getByText('Showing 60 of 60').waitFor();
    assert.equal(await suite.page.getByRole('button', { name: /^Load \d+ more$/ }).count(), 0, 'nothing more to load');
    const ids = await items().evaluateAll((els) => els.map((el) => el.getAttribute('data-id')));
    assert.equal(new Set(ids).size, 60, 'no drawing is listed twice');

    // Labelled right: even rows whose answer is the truth (i % 3 != 2), 20 of 60.
    await suite.page.getByLabel('Status').selectOption('correct');
    await suite.page.getByTestId('history-total').filter({ hasText: '20 drawings match' }).waitFor();
    await suite.page.getByLabel('Status').selectOption('unlabeled');
    await suite.page.getByTestId('history-total').filter({ hasText: '30 drawings match' }).waitFor();
    await suite.page.getByLabel('Status').selectOption('any');
    await suite.page.getByTestId('history-total').filter({ hasText: '60 drawings' }).waitFor();

    for (const theme of ['light', 'dark'] as const) {
      for (const [device, options] of [
        ['desktop', { colorScheme: theme }],
        ['phone', { colorScheme: theme, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 }],
      ] as const) {
        const view = await openPage(suite.browser, options);
        try {
          await view.context.addCookies([{ name: 'mnist_client_id', value: await clientIdOf(suite.opened), url: suite.server.url }]);
          await view.page.goto(`${suite.server.url}/history`);
          await view.page.getByTestId('history-item').nth(5).waitFor();
          if (device === 'phone') {
            const width = await view.page.evaluate('document.documentElement.scrollWidth');
            assert.equal(width, 390, 'nothing overflows sideways on a phone');
          }
          await saveScreenshot(view.page, `history-${device}-${theme}`);
        } finally {
          await view.context.close();
        }
        assert.deepEqual(view.errors, []);
      }
    }
  });
});
