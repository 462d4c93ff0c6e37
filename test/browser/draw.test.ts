/**
 * The Draw page in a real Chromium against the real server: drawing with the
 * mouse, the live answer, undo/redo, clear and labelling from the keyboard.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertNoOpenHandles } from '../helpers/handles.js';
import { drawStroke, launchChromium, nextFrames, openPage, saveScreenshot, SEVEN, startApp, type App, type OpenedPage, waitUntilLive } from './harness.js';

/** What a classify response carried, in the order the requests were sent. */
interface Exchange {
  readonly sentAt: number;
  readonly digit: number | null;
}

describe('Draw page', { timeout: 180_000 }, () => {
  let app: App;
  let browser: Browser;
  let opened: OpenedPage;
  let page: Page;
  let exchanges: Promise<Exchange>[];

  before(async () => {
    app = await startApp();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await assertNoOpenHandles();
  });

  beforeEach(async () => {
    opened = await openPage(browser);
    page = opened.page;
    exchanges = [];
    page.on('request', (request) => {
      if (!request.url().endsWith('/graphql') || !(request.postData() ?? '').includes('mutation Classify')) return;
      const sentAt = Date.now();
      exchanges.push(
        request.response().then(async (response) => {
          const body = (await response?.json()) as { data?: { classify?: { digit: number } }; errors?: unknown } | undefined;
          return { sentAt, digit: body?.data?.classify?.digit ?? null };
        }),
      );
    });
    await page.goto(`${app.url}/`);
    // "Live" appears once the page is hydrated and the graphql-ws socket is up.
    await waitUntilLive(page);
  });

  afterEach(async () => {
    await opened.context.close();
    assert.deepEqual(opened.errors, [], 'the page logged errors');
  });

  const canvas = () => page.getByLabel('Drawing area');
  const topDigit = () => page.getByTestId('top-digit');

  async function strokeCount(): Promise<number> {
    return Number(await canvas().getAttribute('data-strokes'));
  }

  /** Waits until every classify request sent so far was answered, then for the page to settle. */
  async function settled(): Promise<Exchange[]> {
    let count = -1;
    while (count !== exchanges.length) {
      count = exchanges.length;
      await Promise.all(exchanges);
      await page.waitForTimeout(200);
    }
    await nextFrames(page);
    return Promise.all(exchanges);
  }

  test('shows the answer, ten confidence bars and the 28×28 input after a digit is drawn with the mouse', async () => {
    assert.equal(await topDigit().textContent(), '?');
    await page.getByText('Draw a digit from 0 to 9').waitFor();
    const { count: rowsBefore } = (await app.db.query<{ count: number }>('SELECT count(*)::int AS count FROM predictions'))[0]!;

    const started = Date.now();
    for (const stroke of SEVEN) await drawStroke(page, canvas(), stroke);
    const drawingMs = Date.now() - started;
    const answered = await settled();

    assert.equal(await strokeCount(), 2);
    const last = answered.at(-1);
    assert.ok(last && last.digit !== null, 'the last classify request got an answer');
    assert.equal(await topDigit().textContent(), String(last.digit), 'the big digit is the answer to the latest request');

    const bars = page.getByTestId('confidence-bars').locator('li');
    assert.equal(await bars.count(), 10);
    const top = page.getByTestId('confidence-bars').locator('li.top');
    assert.equal(await top.count(), 1, 'exactly one bar is highlighted');
    assert.match((await top.textContent()) ?? '', new RegExp(`Digit ${last.digit}:`));
    const percents = (await bars.allTextContents()).map((text) => {
      const value = /([\d.]+)%/.exec(text);
      return value ? Number(value[1]) : 0;
    });
    const total = percents.reduce((sum, p) => sum + p, 0);
    assert.ok(Math.abs(total - 100) < 1.5, `the bars add up to 100 %, got ${total}`);

    const ink = await page.evaluate(`(() => {
      const canvas = document.querySelector('[data-testid="model-input"]');
      const data = canvas.getContext('2d').getImageData(0, 0, 28, 28).data;
      let lit = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] > 0) lit++;
      return lit;
    })()`);
    assert.ok(typeof ink === 'number' && ink > 10, `the 28×28 preview shows ink, got ${String(ink)} lit pixels`);

    // Every classify stores a row: the live updates must stay rate-limited
    // (one per 150 ms while drawing, plus one when each stroke ends).
    const { count: rowsAfter } = (await app.db.query<{ count: number }>('SELECT count(*)::int AS count FROM predictions'))[0]!;
    const stored = rowsAfter - rowsBefore;
    assert.equal(stored, answered.length, 'each request stored one prediction');
    const allowed = Math.ceil(drawingMs / 150) + SEVEN.length + 1;
    assert.ok(stored >= SEVEN.length && stored <= allowed, `${stored} requests for ${drawingMs} ms of drawing (allowed ${allowed})`);
  });

  test('undo takes back the last stroke and redo puts it back, from buttons and keyboard', async () => {
    await drawStroke(page, canvas(), SEVEN[0]!);
    await settled();
    const oneStroke = await canvas().screenshot();
    await drawStroke(page, canvas(), SEVEN[1]!);
    await settled();
    const twoStrokes = await canvas().screenshot();
    assert.notDeepEqual(oneStroke, twoStrokes);

    const sentBeforeUndo = exchanges.length;
    await page.getByRole('button', { name: 'Undo' }).click();
    await settled();
    assert.equal(await strokeCount(), 1);
    assert.deepEqual(await canvas().screenshot(), oneStroke, 'the canvas shows the first stroke alone again');
    assert.equal(exchanges.length, sentBeforeUndo + 1, 'undo asks for a new answer at once');

    await page.keyboard.press('Control+Shift+Z');
    await settled();
    assert.equal(await strokeCount(), 2);
    assert.deepEqual(await canvas().screenshot(), twoStrokes, 'redo restores the second stroke');

    await page.keyboard.press('Control+Z');
    await page.keyboard.press('Control+Z');
    await settled();
    assert.equal(await strokeCount(), 0);
    assert.equal(await topDigit().textContent(), '?', 'nothing drawn, no answer');
    assert.equal(await page.getByRole('button', { name: 'Undo' }).isDisabled(), true);

    await page.keyboard.press('Control+Y');
    await settled();
    assert.equal(await strokeCount(), 1);
    assert.deepEqual(await canvas().screenshot(), oneStroke);
  });

  test('Escape clears the drawing and the answer without a request, and undo brings it back', async () => {
    for (const stroke of SEVEN) await drawStroke(page, canvas(), stroke);
    await settled();
    assert.match((await topDigit().textContent()) ?? '', /^\d$/);

    const sent = exchanges.length;
    await page.keyboard.press('Escape');
    await settled();
    assert.equal(await strokeCount(), 0);
    assert.equal(await topDigit().textContent(), '?');
    await page.getByText('Draw a digit from 0 to 9').waitFor();
    assert.equal(exchanges.length, sent, 'an empty canvas is never sent');
    assert.equal(await page.getByRole('button', { name: 'Clear' }).isDisabled(), true);

    await page.getByRole('button', { name: 'Undo' }).click();
    await settled();
    assert.equal(await strokeCount(), 2);
    assert.match((await topDigit().textContent()) ?? '', /^\d$/);
  });

  test('the label buttons wait for an answer and mark the model\'s guess', async () => {
    const buttons = page.getByRole('group', { name: 'Label the drawing' }).getByRole('button');
    assert.equal(await buttons.count(), 10);
    for (const button of await buttons.all()) assert.equal(await button.isDisabled(), true, 'nothing to label yet');
    const sent = exchanges.length;
    await page.keyboard.press('3');
    assert.equal(exchanges.length, sent, 'a digit key on an empty canvas sends nothing');

    for (const stroke of SEVEN) await drawStroke(page, canvas(), stroke);
    await settled();
    const answer = (await topDigit().textContent()) ?? '';
    for (const button of await buttons.all()) assert.equal(await button.isDisabled(), false);
    const guess = page.getByRole('button', { name: `${answer}, the model's guess` });
    assert.equal(await guess.count(), 1, 'the guess is marked for screen readers too');
    assert.match((await guess.getAttribute('class')) ?? '', /\bguess\b/);
  });

  test('pressing a digit key labels the drawing, stores the label and starts a new drawing', async () => {
    const labelledRows = async () =>
      app.db.query<{ label: number; digit: number }>(
        'SELECT label, digit FROM predictions WHERE label IS NOT NULL ORDER BY labeled_at DESC',
      );
    const before = (await labelledRows()).length;
    for (const stroke of SEVEN) await drawStroke(page, canvas(), stroke);
    await settled();
    const answer = (await topDigit().textContent()) ?? '';

    await page.keyboard.press('7');
    const status = page.getByTestId('label-status');
    await status.filter({ hasText: 'Saved as 7' }).waitFor();
    assert.match((await status.textContent()) ?? '', answer === '7' ? /got it right/ : new RegExp(`model said ${answer}`));
    assert.equal(await strokeCount(), 0, 'the canvas is cleared for the next digit');
    await saveScreenshot(page, 'draw-labelled-light');

    const labelled = await labelledRows();
    assert.equal(labelled.length, before + 1, 'one more prediction is labelled');
    assert.equal(labelled[0]!.label, 7);
    assert.equal(String(labelled[0]!.digit), answer, 'the labelled prediction is the one on screen');
  });
});
