/**
 * The hooks every browser suite repeats, registered once: a server started
 * and a Chromium launched before the suite's tests, both closed after them
 * (leaving no open handle), and, with {@link usePagePerTest}, a fresh page
 * for each test whose context is closed after it and which must have logged
 * no error. Call inside `describe`; read the values inside tests and hooks.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertNoOpenHandles } from '../helpers/handles.js';
import { launchChromium, openPage, type OpenedPage } from './harness.js';

export interface BrowserSuite<Server> {
  readonly server: Server;
  readonly browser: Browser;
}

export interface PageSuite<Server> extends BrowserSuite<Server> {
  /** This test's page. */
  readonly page: Page;
  readonly opened: OpenedPage;
}

/** What a hook set, or a clear failure when read before it ran. */
function slot<T>(name: string): { value: T | undefined; get(): T } {
  return {
    value: undefined,
    get() {
      if (this.value === undefined) throw new Error(`${name} is not ready: read it inside a test or hook`);
      return this.value;
    },
  };
}

export function useServerAndBrowser<Server extends { close(): Promise<void> }>(start: () => Promise<Server>): BrowserSuite<Server> {
  const server = slot<Server>('the server');
  const browser = slot<Browser>('the browser');
  before(async () => {
    server.value = await start();
    browser.value = await launchChromium();
  });
  after(async () => {
    await browser.value?.close();
    await server.value?.close();
    await assertNoOpenHandles();
  });
  return {
    get server() {
      return server.get();
    },
    get browser() {
      return browser.get();
    },
  };
}

export function usePagePerTest<Server extends { close(): Promise<void> }>(start: () => Promise<Server>): PageSuite<Server> {
  const suite = useServerAndBrowser(start);
  const opened = slot<OpenedPage>('the page');
  beforeEach(async () => {
    opened.value = await openPage(suite.browser);
  });
  afterEach(async () => {
    const { context, errors } = opened.get();
    opened.value = undefined;
    await context.close();
    assert.deepEqual(errors, [], 'the page logged errors');
  });
  return {
    get server() {
      return suite.server;
    },
    get browser() {
      return suite.browser;
    },
    get page() {
      return opened.get().page;
    },
    get opened() {
      return opened.get();
    },
  };
}
