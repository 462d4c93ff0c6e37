/**
 * The GraphQL IDE in a real Chromium: it renders from this server's files
 * alone, and its fetcher runs a mutation over HTTP and a subscription over
 * graphql-ws on the same /graphql path.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage } from './browser/harness.js';
import { onePixels } from './helpers/drawings.js';
import { assertNoOpenHandles } from './helpers/handles.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('GraphiQL at /graphql', { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await assertNoOpenHandles();
  });

  test('renders offline and runs a subscription and a mutation through its own fetcher', async () => {
    const { page, context, errors } = await openPage(browser);
    try {
      const foreign: string[] = [];
      page.on('request', (request: { url(): string }) => {
        const url = new URL(request.url());
        if (url.origin !== server.url && url.protocol !== 'data:' && url.protocol !== 'blob:') foreign.push(request.url());
      });
      const failed: string[] = [];
      page.on('response', (response: { status(): number; url(): string }) => {
        if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
      });
      await page.goto(`${server.url}/graphql`);
      await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
      // The editor shows the default operation once the schema loaded.
      await page.getByText('predictionAdded').first().waitFor({ timeout: 30_000 });

      const result = await page.evaluate(async (pixels: number[]) => {
        // Runs in the page; the server's tsconfig has no DOM types.
        type Fetcher = (params: unknown, options: { documentAST: unknown }) => Promise<unknown>;
        const g = globalThis as unknown as {
          location: { href: string };
          GraphiQL: {
            createFetcher(options: { url: string; subscriptionUrl: string }): Fetcher;
            GraphQL: { parse(source: string): unknown };
          };
        };
        const http = new URL('/graphql', g.location.href);
        const ws = new URL(http);
        ws.protocol = 'ws:';
        const fetcher = g.GraphiQL.createFetcher({ url: http.href, subscriptionUrl: ws.href });
        // As GraphiQL itself calls it: with the parsed document, which routes subscriptions to the socket.
        const run = (query: string, variables?: unknown) =>
          fetcher({ query, variables, operationName: null }, { documentAST: g.GraphiQL.GraphQL.parse(query) });
        const firstOf = async (result: unknown): Promise<any> => {
          if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
            const iterator = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
            const { value } = await iterator.next();
            await iterator.return?.();
            return value;
          }
          return result;
        };
        const subscription = (await run('subscription { predictionAdded { id digit } }')) as AsyncIterable<any>;
        const iterator = subscription[Symbol.asyncIterator]();
        const first = iterator.next();
        // Let the subscribe message reach the server before classifying.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const classified = await firstOf(await run('mutation ($p: [Float!]) { classify(input: { pixels: $p }) { id } }', { p: pixels }));
        if (!classified?.data) throw new Error(`classify answered ${JSON.stringify(classified)}`);
        const event = await first;
        await iterator.return?.();
        return { classified: classified.data.classify.id as string, added: event.value.data.predictionAdded.id as string };
      }, onePixels() as number[]);

      assert.equal(result.added, result.classified);
      assert.deepEqual(foreign, [], 'the IDE requested nothing from another host');
      assert.deepEqual(failed, [], 'every request of the IDE succeeded');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
