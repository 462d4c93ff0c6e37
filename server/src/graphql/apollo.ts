/**
 * Apollo Server for GraphQL over HTTP at `/graphql`: depth and cost limits,
 * HTTP 429 for rate-limited operations, error masking in production (a lost
 * database shows as DATABASE_UNAVAILABLE), CSRF prevention, no landing page (the IDE is ours,
 * see `http/graphiql.ts`), and a drain that also closes the WebSockets.
 */
import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { GraphQLSchema } from 'graphql';
import { ErrorCode, formatClientError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Context } from './context.js';
import { depthLimit } from './depth-limit.js';
import { complexityPlugin, rateLimitStatusPlugin } from './limits.js';
import type { GraphQLWebSocket } from './ws.js';

export interface ApolloOptions {
  schema: GraphQLSchema;
  httpServer: Server;
  webSocket: GraphQLWebSocket;
  logger: Logger;
  maxQueryDepth: number;
  /** Highest operation cost (MAX_QUERY_COMPLEXITY). */
  maxQueryComplexity: number;
  production: boolean;
  /** Told the code of each error sent to a client (metrics). */
  onErrorCode?: (code: string) => void;
  /** How long `stop()` waits for open requests before cutting them, in ms. */
  stopGracePeriodMillis: number;
}

/** Codes of the client's own making: ours, and Apollo's (bad syntax, unknown persisted query ...). */
const CLIENT_CODES = new Set<string>(
  [...Object.values(ErrorCode), ...Object.values(ApolloServerErrorCode)].filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR),
);

/** Logs errors that are not the client's fault, with the request id, once per request. */
const logInternalErrors: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue, operationName }) {
        for (const error of errors) {
          const code = error.extensions?.code;
          if (typeof code === 'string' && CLIENT_CODES.has(code)) continue;
          contextValue.logger.error({ err: error.originalError ?? error, operationName, path: error.path }, 'GraphQL error');
        }
      },
    };
  },
};

export function createApolloServer(options: ApolloOptions): ApolloServer<Context> {
  const { webSocket } = options;
  return new ApolloServer<Context>({
    schema: options.schema,
    csrfPrevention: true,
    // main.ts owns SIGINT/SIGTERM. Apollo's own handlers (on outside NODE_ENV=test) stop it and then
    // re-send the signal, which main.ts takes for a second one and exits 130 mid-shutdown.
    stopOnTerminationSignals: false,
    introspection: true,
    includeStacktraceInErrorResponses: !options.production,
    validationRules: [depthLimit(options.maxQueryDepth)],
    formatError: (formatted, error) => {
      const shown = formatClientError(formatted, error, options.production);
      const code = shown.extensions?.code;
      if (typeof code === 'string') options.onErrorCode?.(code);
      return shown;
    },
    // Apollo logs through its own console logger otherwise.
    logger: {
      debug: (m) => options.logger.debug(m),
      info: (m) => options.logger.info(m),
      warn: (m) => options.logger.warn(m),
      error: (m) => options.logger.error(m),
    },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer, stopGracePeriodMillis: options.stopGracePeriodMillis }),
      { async serverWillStart() { return { async drainServer() { await webSocket.dispose(); } }; } },
      ApolloServerPluginLandingPageDisabled(),
      // Cache hints are unused (answers are per visitor, mostly mutations), and the plugin's
      // per-field hook made Apollo wrap every resolver: ~20 KB of garbage per classify.
      ApolloServerPluginCacheControlDisabled(),
      complexityPlugin(options.maxQueryComplexity),
      rateLimitStatusPlugin,
      logInternalErrors,
    ],
  });
}
