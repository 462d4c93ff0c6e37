/**
 * Bad states on the Draw page, shown plainly: the server going away and
 * coming back, and an error the API reports (no model loaded).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertNoOpenHandles } from '../helpers/handles.js';
import { drawStroke, launchChromium, openPage, saveScreenshot, SEVEN, startApp, waitUntilLive, connectionBadge } from './harness.js';

async function drawSeven(page: Page): Promise<void> {
  const canvas = page.getByLabel('Drawing area');
  for (const stroke of SEVEN) await drawStroke(page, canvas, stroke);
}

describe('Draw page when things go wrong', { timeout: 180_000 }, () => {
  let browser: Browser;

  before(async () => {
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await assertNoOpenHandles();
  });

  test('says the server is unreachable while it is down, then reconnects and answers again', async () => {
    const app = await startApp();
    const { page, context, errors } = await openPage(browser);
    try {
      await page.goto(`${app.url}/`);
      const badge = connectionBadge(page);
      await badge.filter({ hasText: 'Live' }).waitFor();
      await drawSeven(page);
      await page.getByTestId('top-digit').filter({ hasText: /^\d$/ }).waitFor();

      await app.stopServer();
      await badge.filter({ hasText: /Offline|Reconnecting/ }).waitFor();
      await page.getByRole('button', { name: 'Undo' }).click();
      const problem = page.getByTestId('api-problem');
      await problem.waitFor();
      assert.match((await problem.textContent()) ?? '', /Can't reach the server/);
      await page.getByText('Answer for an earlier version').waitFor();
      await saveScreenshot(page, 'draw-server-unreachable-light');

      await app.restartServer();
      // The socket retries with a backoff capped near 10 s.
      await badge.filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: 'Redo' }).click();
      // The fresh answer replaces the dimmed earlier one and the message goes.
      await page.getByText(/^\d+(\.\d)?% sure$/).waitFor();
      assert.match((await page.getByTestId('top-digit').textContent()) ?? '', /^\d$/);
      assert.equal(await problem.count(), 0, 'the problem is gone once an answer arrives');
    } finally {
      await context.close();
      await app.close();
    }
    // While the server was down the browser logged its failed requests and
    // socket; anything else (an exception in the page) is a bug.
    const unexpected = errors.filter((e) => !/ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|WebSocket connection/.test(e));
    assert.deepEqual(unexpected, []);
  });

  test("shows the API's own message when it cannot classify (no model loaded)", async () => {
    const app = await startApp({ model: 'missing' });
    const { page, context, errors } = await openPage(browser, { colorScheme: 'dark' });
    try {
      await page.goto(`${app.url}/`);
      await waitUntilLive(page);
      await drawSeven(page);
      const problem = page.getByTestId('api-problem');
      await problem.waitFor();
      assert.match((await problem.textContent()) ?? '', /No model is loaded/);
      assert.equal(await page.getByTestId('top-digit').textContent(), '?');
      await saveScreenshot(page, 'draw-model-not-ready-dark');
    } finally {
      await context.close();
      await app.close();
    }
    assert.deepEqual(errors, []);
  });
});
