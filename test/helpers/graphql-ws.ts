/** A graphql-ws client for tests that queues what a subscription delivers. */
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

export interface TestSubscription<Data> {
  /** Resolves with the next result (or rejects after `timeoutMs`). */
  next(timeoutMs?: number): Promise<FormattedExecutionResult<Data, unknown>>;
  /** Unsubscribes and closes the socket. */
  close(): Promise<void>;
}

/**
 * Subscribes over a WebSocket of its own; resolves once the server
 * acknowledged the connection (so nothing published afterwards is missed,
 * as long as the subscribe message had time to arrive: see `settle`).
 */
export async function subscribe<Data = Record<string, unknown>>(
  wsUrl: string,
  query: string,
  options: { variables?: Record<string, unknown>; connectionParams?: Record<string, unknown> } = {},
): Promise<TestSubscription<Data>> {
  const results: FormattedExecutionResult<Data, unknown>[] = [];
  const waiters: Array<{ resolve: (r: FormattedExecutionResult<Data, unknown>) => void; reject: (e: Error) => void }> = [];
  let failure: Error | undefined;
  let connected!: () => void;
  const acknowledged = new Promise<void>((resolve) => (connected = resolve));
  const client: Client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: options.connectionParams,
    on: { connected: () => connected() },
    // The default logs the socket's CloseEvent to the console.
    onNonLazyError: (error) => fail(error),
  });
  function fail(error: unknown) {
    const code = (error as { code?: unknown } | null)?.code;
    failure ??=
      error instanceof Error
        ? error
        : new Error(typeof code === 'number' ? `the socket closed with code ${code}` : `subscription failed: ${String(error)}`);
    for (const waiter of waiters.splice(0)) waiter.reject(failure);
  }
  const unsubscribe = client.subscribe<Data>(
    { query, variables: options.variables },
    {
      next: (result) => {
        const waiter = waiters.shift();
        if (waiter) waiter.resolve(result);
        else results.push(result);
      },
      error: fail,
      complete: () => fail(new Error('subscription completed')),
    },
  );
  await acknowledged;
  // The subscribe message goes out right after the ack; give the server a moment to register it.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return {
    next(timeoutMs = 5_000) {
      const ready = results.shift();
      if (ready) return Promise.resolve(ready);
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        const waiter = {
          resolve: (r: FormattedExecutionResult<Data, unknown>) => (clearTimeout(timer), resolve(r)),
          reject: (e: Error) => (clearTimeout(timer), reject(e)),
        };
        // A timed-out waiter leaves the queue, or it would swallow the next result.
        const timer = setTimeout(() => {
          const index = waiters.indexOf(waiter);
          if (index >= 0) waiters.splice(index, 1);
          reject(new Error(`no subscription result within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    async close() {
      unsubscribe();
      await client.dispose();
    },
  };
}
