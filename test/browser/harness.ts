/**
 * Browser-test harness: the real app (built SvelteKit client mounted by the
 * real server, fresh database, a real model) driven by Debian's Chromium
 * through playwright-core.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../server/src/config.js';
import { withTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Debian's package (`apt-get install chromium`); playwright's own download is not used. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** Where screenshots go (gitignored); one PNG per page, theme and viewport. */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-artifacts', 'screenshots');

export interface App {
  /** `http://127.0.0.1:<port>`, serving the client and /graphql. */
  readonly url: string;
  readonly db: TestDatabase;
  /** True when the committed model answers; false for the untrained stand-in or none. */
  readonly trainedModel: boolean;
  /** Stops the server (the database stays), as a crash or restart would. */
  stopServer(): Promise<void>;
  /** Starts the server again on the same port and database. */
  restartServer(): Promise<void>;
  /** Stops the server and drops the database. */
  close(): Promise<void>;
}

export interface AppOptions {
  /**
   * `available`: the committed model, else an untrained one; `missing`: no
   * model at all, so classify answers MODEL_NOT_READY.
   * @default 'available'
   */
  readonly model?: 'available' | 'missing';
}

/**
 * Starts the server with the built client on a free port and a fresh
 * database. Uses the committed model in data/model when there is one (so
 * screenshots show real answers), else an untrained CNN: the tests assert
 * behaviour, never which digit comes out.
 *
 * @throws when the client was not built: the tests would otherwise meet the
 *   API-only server and fail obscurely
 */
export async function startApp(options: AppOptions = {}): Promise<App> {
  const handler = join(REPO_ROOT, 'client', 'build', 'handler.js');
  if (!existsSync(handler)) {
    throw new Error(`${handler} does not exist: build the client first (npm run build, which npm test runs)`);
  }
  const committed = join(REPO_ROOT, 'data', 'model');
  const trainedModel = options.model !== 'missing' && existsSync(join(committed, 'model.json'));
  const db = await withTestDatabase();
  const start = (port: number) =>
    startTestServer({
      db,
      // The committed model when there is one, else the helper's untrained one.
      model: options.model === 'missing' || trainedModel ? 'none' : 'untrained',
      // No in-process training worker: these pages start no training, and
      // graphile-worker ends the pool it made without waiting and without an
      // error listener, so stopping Postgres right after the server could
      // crash the test process (reported to the server's owner).
      config: { port, runWorker: false, ...(trainedModel ? { defaultModelDir: committed } : {}) },
    });
  let server: TestServer | undefined;
  try {
    server = await start(0);
  } catch (error) {
    await db.close();
    throw error;
  }
  const { port, url } = server;
  const stopServer = async () => {
    await server?.close();
    server = undefined;
  };
  return {
    url,
    db,
    trainedModel,
    stopServer,
    restartServer: async () => {
      if (server) throw new Error('the server is running; stopServer() first');
      server = await start(port);
    },
    close: async () => {
      await stopServer();
      await db.close();
    },
  };
}

/** Launches headless Chromium; the caller closes it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface PageOptions {
  readonly colorScheme?: 'light' | 'dark';
  /** CSS pixels. @default desktop 1280×900 */
  readonly viewport?: { readonly width: number; readonly height: number };
  readonly deviceScaleFactor?: number;
}

export interface OpenedPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Uncaught exceptions and console errors, for asserting a clean run. */
  readonly errors: string[];
}

/** A fresh browser context (own storage, so no theme choice leaks between tests). */
export async function openPage(browser: Browser, options: PageOptions = {}): Promise<OpenedPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 900 },
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
    colorScheme: options.colorScheme ?? 'light',
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  // Everything here answers in milliseconds; fail fast rather than after 30 s.
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return { page, context, errors };
}

/** Resolves after the browser painted twice (canvas redraws run in requestAnimationFrame). */
export async function nextFrames(page: Page): Promise<void> {
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
}

/**
 * Draws one stroke with the mouse through `points` given as fractions of the
 * canvas side (0..1), with intermediate moves so the pen path is smooth.
 */
export async function drawStroke(page: Page, canvas: Locator, points: ReadonlyArray<readonly [number, number]>): Promise<void> {
  const box = await canvas.boundingBox();
  if (!box) throw new Error('the drawing canvas is not visible');
  const at = ([x, y]: readonly [number, number]) => [box.x + box.width * x, box.y + box.height * y] as const;
  const [first, ...rest] = points;
  if (!first) throw new Error('a stroke needs at least one point');
  await page.mouse.move(...at(first));
  await page.mouse.down();
  for (const point of rest) await page.mouse.move(...at(point), { steps: 6 });
  await page.mouse.up();
}

/** A seven in two strokes: the bar, then the stem. */
export const SEVEN: ReadonlyArray<ReadonlyArray<readonly [number, number]>> = [
  [
    [0.28, 0.24],
    [0.5, 0.23],
    [0.7, 0.24],
  ],
  [
    [0.7, 0.24],
    [0.6, 0.45],
    [0.52, 0.62],
    [0.46, 0.8],
  ],
];

/** Saves a full-page screenshot as `<name>.png` in {@link SCREENSHOT_DIR}; returns the path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/**
 * The header's connection badge (a `status` named after the API connection);
 * pages have other live `status` regions, so tests find the badge by name.
 */
export function connectionBadge(page: Page) {
  return page.getByRole('status', { name: /connection to the API/ });
}

/** Waits until the badge says the GraphQL WebSocket is connected. */
export async function waitUntilLive(page: Page, timeout?: number): Promise<void> {
  await connectionBadge(page).filter({ hasText: 'Live' }).waitFor(timeout === undefined ? undefined : { timeout });
}
