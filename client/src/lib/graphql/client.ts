import { Client, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { createContext } from 'svelte';
import { Connection } from './connection.svelte';

/** Path of the GraphQL endpoint; HTTP and graphql-ws share it. */
export const GRAPHQL_PATH = '/graphql';

/** The app's single link to the API. */
export interface Api {
  /** urql client: queries and mutations over HTTP, subscriptions over graphql-ws. */
  readonly client: Client;
  /** Status of the live socket (always `connecting` during SSR). */
  readonly connection: Connection;
  /** Closes the socket; for tests and hot reload. */
  dispose(): void;
}

/**
 * Waits before reconnect attempt `retries` (0-based): 0.5 s, 1 s, 2 s, 4 s,
 * then 8 s for ever, each with up to 30 % jitter so many tabs don't reconnect
 * in lockstep after a server restart.
 */
function backoff(retries: number): Promise<void> {
  const base = 500 * 2 ** Math.min(retries, 4);
  return new Promise((resolve) => setTimeout(resolve, base * (1 + Math.random() * 0.3)));
}

function websocketUrl(origin: string): string {
  const url = new URL(GRAPHQL_PATH, origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/**
 * Creates the urql client. In the browser it also opens the graphql-ws
 * socket eagerly (so the header can show whether the API is reachable) and
 * keeps reconnecting while the server is away; during SSR there is no socket
 * and no operation is expected to run.
 */
export function createApi(origin: string | null): Api {
  const connection = new Connection();
  let ws: WsClient | null = null;
  if (origin) {
    ws = createWsClient({
      url: websocketUrl(origin),
      lazy: false,
      retryAttempts: Infinity,
      // By default only CloseEvents are retried; a refused connection surfaces
      // as an error event, and we want to come back after a restart too.
      shouldRetry: () => true,
      retryWait: backoff,
      keepAlive: 15_000,
      on: {
        connecting: () => connection.connecting(),
        connected: () => connection.connected(),
        closed: () => connection.closed(),
      },
      onNonLazyError: () => connection.closed(),
    });
  }
  const socket = ws;
  const client = new Client({
    url: origin ? new URL(GRAPHQL_PATH, origin).href : GRAPHQL_PATH,
    // Results here are live data (predictions, training); never serve stale ones.
    requestPolicy: 'network-only',
    // urql sends short queries as GET by default, which the server's CSRF
    // prevention refuses (a GET carries no preflight-forcing header).
    preferGetMethod: false,
    exchanges: [
      cacheExchange,
      // Automatic persisted queries: once the server has seen an operation, only its sha256 goes
      // with the variables, so the server no longer hashes the query text of every request (see
      // BENCHMARKS.md). Mutations too (classify is one), and POST as for every operation. Without
      // Web Crypto (plain http off localhost) the full text goes, as before.
      persistedExchange({ preferGetForPersistedQueries: false, enableForMutation: true }),
      fetchExchange,
      ...(socket
        ? [
            subscriptionExchange({
              forwardSubscription(request) {
                const input = { ...request, query: request.query ?? '' };
                return {
                  subscribe(sink) {
                    const unsubscribe = socket.subscribe(input, sink);
                    return { unsubscribe };
                  },
                };
              },
            }),
          ]
        : []),
    ],
  });
  return {
    client,
    connection,
    dispose: () => void socket?.dispose(),
  };
}

const [getApiContext, setApiContext] = createContext<Api>();

/** Provides the app's {@link Api} to every component below the caller (the root layout). */
export const setApi: (api: Api) => Api = setApiContext;

/** The {@link Api} provided by the root layout; call during component initialisation. */
export const getApi: () => Api = getApiContext;
