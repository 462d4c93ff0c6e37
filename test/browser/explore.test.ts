/**
 * The Explore page in a real Chromium against the real server: the MNIST
 * grid by split and digit with paging, the class-balance charts, the
 * caller's labelled drawings, and the export download.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { openPage, saveScreenshot, startApp, waitUntilLive } from './harness.js';
import { usePagePerTest } from './suite.js';

describe('Explore page', { timeout: 240_000 }, () => {
  const suite = usePagePerTest(() => startApp());

  const tiles = () => suite.page.getByTestId('sample-grid').locator('li');
  const range = () => suite.page.getByRole('navigation', { name: 'MNIST pages' }).locator('.range');

  test('shows MNIST digits as a grid that pages and filters by split and digit', async () => {
    await suite.page.goto(`${suite.server.url}/explore`);
    await waitUntilLive(suite.page);
    await tiles().nth(59).waitFor();
    assert.equal(await tiles().count(), 60, 'a page of 60 digits');
    assert.equal((await range().textContent())?.trim(), '1–60 of 60,000');
    const first = await tiles().first().getByRole('img').getAttribute('aria-label');
    assert.equal(first, 'MNIST train digit 0: a 5', 'the first training digit is a 5, as in the idx file');

    await suite.page.getByRole('button', { name: 'Next' }).click();
    await range().filter({ hasText: '61–120 of 60,000' }).waitFor();
    await suite.page.waitForURL(/offset=60/);
    assert.match((await tiles().first().textContent()) ?? '', /#60\b/);
    await suite.page.getByRole('button', { name: 'Last page' }).click();
    await range().filter({ hasText: '59,941–60,000 of 60,000' }).waitFor();
    await suite.page.getByLabel(/^Page number/).fill('3');
    await suite.page.getByLabel(/^Page number/).press('Enter');
    await range().filter({ hasText: '121–180 of 60,000' }).waitFor();

    await suite.page.getByRole('radio', { name: 'MNIST test' }).check();
    await range().filter({ hasText: '1–60 of 10,000' }).waitFor();
    await suite.page.getByLabel('Digit', { exact: true }).selectOption('3');
    await range().filter({ hasText: '1–60 of 1,010' }).waitFor();
    const captions = await tiles().locator('.caption').allTextContents();
    assert.ok(captions.length === 60 && captions.every((c) => c.startsWith('3')), `only threes: ${captions.slice(0, 5).join(', ')}`);
    assert.match(suite.page.url(), /source=test&digit=3$/);

    // Back and forward keep the state in the address.
    await suite.page.reload();
    await range().filter({ hasText: '1–60 of 1,010' }).waitFor();
  });

  test('charts the class balance of every dataset and exports the user dataset from this machine', async () => {
    await suite.page.goto(`${suite.server.url}/explore`);
    await suite.page.getByTestId('balance-mnistTrain').locator('canvas').first().waitFor();
    await suite.page.getByTestId('balance-mnistTest').locator('canvas').first().waitFor();
    assert.equal(await suite.page.getByText('None yet.').count(), 2, 'no labelled drawings yet, from anyone or from me');

    await suite.page.getByRole('radio', { name: 'Your drawings' }).check();
    await suite.page.getByText('No labelled drawings yet').waitFor();

    const [download] = await Promise.all([suite.page.waitForEvent('download'), suite.page.getByRole('link', { name: /^CSV/ }).click()]);
    assert.equal(download.suggestedFilename(), 'user-dataset.csv');
    const path = await download.path();
    const csv = await readFile(path, 'utf8');
    assert.match(csv.split('\n')[0] ?? '', /^label/, 'a CSV with its header');
    await suite.page.getByRole('status').filter({ hasText: 'Downloaded user-dataset.csv: 0 drawings.' }).waitFor();

    for (const theme of ['light', 'dark'] as const) {
      for (const [device, options] of [
        ['desktop', { colorScheme: theme }],
        ['phone', { colorScheme: theme, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 }],
      ] as const) {
        const view = await openPage(suite.browser, options);
        try {
          await view.page.goto(`${suite.server.url}/explore`);
          await view.page.getByTestId('sample-grid').locator('li').nth(59).waitFor();
          await view.page.getByTestId('balance-mnistTest').locator('canvas').first().waitFor();
          await view.page.waitForTimeout(300);
          if (device === 'phone') {
            assert.equal(await view.page.evaluate('document.documentElement.scrollWidth'), 390, 'nothing overflows sideways on a phone');
          }
          await saveScreenshot(view.page, `explore-${device}-${theme}`);
        } finally {
          await view.context.close();
        }
        assert.deepEqual(view.errors, []);
      }
    }
  });
});
