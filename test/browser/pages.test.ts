/**
 * Every page of the client in a real Chromium, in both themes and on a phone:
 * navigation, theme following the OS and the toggle, and a screenshot of each
 * (test-artifacts/screenshots/, for people to look at).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { drawStroke, nextFrames, openPage, saveScreenshot, SEVEN, startApp, type PageOptions, waitUntilLive } from './harness.js';
import { useServerAndBrowser } from './suite.js';

const PAGES = [
  { path: '/', name: 'draw', nav: 'Draw', heading: 'Draw a digit' },
  { path: '/history', name: 'history', nav: 'History', heading: 'History' },
  { path: '/performance', name: 'performance', nav: 'Performance', heading: 'Performance' },
  { path: '/explore', name: 'explore', nav: 'Explore', heading: 'Explore' },
  { path: '/models', name: 'models', nav: 'Models', heading: 'Models' },
  { path: '/train', name: 'train', nav: 'Train', heading: 'Train' },
] as const;

const THEMES = ['light', 'dark'] as const;
const PHONE: PageOptions['viewport'] = { width: 390, height: 844 };

/** Relative luminance (0 black .. 1 white) of the page background. */
async function backgroundLuminance(page: Page): Promise<number> {
  const rgb = await page.evaluate('getComputedStyle(document.body).backgroundColor');
  const channels = /rgba?\((\d+), (\d+), (\d+)/.exec(String(rgb));
  assert.ok(channels, `unexpected background colour ${String(rgb)}`);
  const [r, g, b] = channels.slice(1, 4).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}


describe('client pages', { timeout: 240_000 }, () => {
  const suite = useServerAndBrowser(() => startApp());

  for (const theme of THEMES) {
    test(`every page renders its heading and navigation in the ${theme} theme the OS asks for`, async () => {
      const { page, context, errors } = await openPage(suite.browser, { colorScheme: theme });
      try {
        for (const { path, name, nav, heading } of PAGES) {
          await page.goto(`${suite.server.url}${path}`);
          await waitUntilLive(page);
          await page.getByRole('heading', { level: 1, name: heading }).waitFor();
          const current = page.getByRole('navigation', { name: 'Main' }).locator('[aria-current="page"]');
          assert.equal(await current.textContent().then((t) => t?.trim()), nav, `${path} marks ${nav} as current`);
          const luminance = await backgroundLuminance(page);
          if (theme === 'dark') assert.ok(luminance < 0.05, `${path} is dark, background luminance ${luminance}`);
          else assert.ok(luminance > 0.8, `${path} is light, background luminance ${luminance}`);
          await saveScreenshot(page, `${name}-${theme}`);
        }
      } finally {
        await context.close();
      }
      assert.deepEqual(errors, []);
    });
  }

  for (const theme of THEMES) {
    test(`the Draw page with a digit drawn looks right on a desktop and a phone in the ${theme} theme`, async () => {
      for (const [device, options] of [
        ['desktop', { colorScheme: theme }],
        ['phone', { colorScheme: theme, viewport: PHONE, deviceScaleFactor: 2 }],
      ] as const) {
        const { page, context, errors } = await openPage(suite.browser, options);
        try {
          await page.goto(`${suite.server.url}/`);
          await waitUntilLive(page);
          const canvas = page.getByLabel('Drawing area');
          for (const stroke of SEVEN) await drawStroke(page, canvas, stroke);
          await page.getByTestId('top-digit').filter({ hasText: /^\d$/ }).waitFor();
          await page.waitForTimeout(400);
          await nextFrames(page);
          if (device === 'phone') {
            // The answer must be visible under the pad without scrolling.
            const digit = await page.getByTestId('top-digit').boundingBox();
            assert.ok(digit && digit.y + digit.height <= PHONE!.height, `the answer is in view on a phone (bottom at ${digit ? digit.y + digit.height : '?'})`);
            const width = await page.evaluate('document.documentElement.scrollWidth');
            assert.equal(width, PHONE!.width, 'nothing overflows sideways');
          }
          await saveScreenshot(page, `draw-drawn-${device}-${theme}`);
        } finally {
          await context.close();
        }
        assert.deepEqual(errors, []);
      }
    });
  }

  test('the theme toggle overrides the OS theme, survives a reload and can go back to following the OS', async () => {
    const { page, context, errors } = await openPage(suite.browser, { colorScheme: 'light' });
    try {
      await page.goto(`${suite.server.url}/`);
      await waitUntilLive(page);
      assert.ok((await backgroundLuminance(page)) > 0.8, 'light, as the OS asks');

      await page.getByRole('button', { name: 'Switch to dark theme' }).click();
      assert.ok((await backgroundLuminance(page)) < 0.05, 'dark after the toggle');
      await page.reload();
      await waitUntilLive(page);
      assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark', 'applied before hydration');
      assert.ok((await backgroundLuminance(page)) < 0.05, 'still dark after a reload');

      await page.getByRole('button', { name: 'Switch to light theme' }).click();
      assert.ok((await backgroundLuminance(page)) > 0.8, 'light again after the toggle');
      assert.equal(await page.evaluate("localStorage.getItem('mnist-studio:theme')"), null, 'back to following the OS');
      await page.emulateMedia({ colorScheme: 'dark' });
      assert.ok((await backgroundLuminance(page)) < 0.05, 'follows the OS again');
    } finally {
      await context.close();
    }
    assert.deepEqual(errors, []);
  });

  test('the header is usable from the keyboard with a visible focus ring', async () => {
    const { page, context, errors } = await openPage(suite.browser);
    try {
      await page.goto(`${suite.server.url}/`);
      await waitUntilLive(page);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement.textContent.trim()'), 'Skip to content');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement.textContent.trim()'), 'Draw');
      const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
      assert.equal(outline, 'solid', 'the focused link shows an outline');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${suite.server.url}/history`);
      await page.getByRole('heading', { level: 1, name: 'History' }).waitFor();
      const ide = page.getByRole('link', { name: /GraphQL IDE/ });
      assert.equal(await ide.getAttribute('href'), '/graphql');
    } finally {
      await context.close();
    }
    assert.deepEqual(errors, []);
  });
});
