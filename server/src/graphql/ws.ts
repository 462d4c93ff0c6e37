/**
 * GraphQL over WebSocket (graphql-ws protocol) on the HTTP server's
 * `/graphql` path, beside Apollo's HTTP handler on the same path. The only
 * file that knows about the `ws` package.
 */
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { maskInternalError } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseClientId, type Context } from './context.js';
import { depthLimit } from './depth-limit.js';

export interface WebSocketOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  logger: Logger;
  /** Largest accepted message, in bytes (the HTTP body limit). */
  maxPayload: number;
  maxQueryDepth: number;
  production: boolean;
}

export interface GraphQLWebSocket {
  /** Closes every socket (code 1001) and stops accepting new ones. */
  dispose(): Promise<void>;
}

export function attachGraphQLWebSocket(options: WebSocketOptions): GraphQLWebSocket {
  const { logger, production } = options;
  const wss = new WebSocketServer({ server: options.httpServer, path: '/graphql', maxPayload: options.maxPayload });
  const rules = [...specifiedRules, depthLimit(options.maxQueryDepth)];
  const cleanup = useServer(
    {
      schema: options.schema,
      isProd: production,
      validate: (schema, document) => validate(schema, document, rules),
      context: (ctx): Context => {
        const requestId = randomUUID();
        const params = ctx.connectionParams ?? {};
        return {
          requestId,
          clientId: parseClientId(params.clientId) ?? parseClientId(ctx.extra.request.headers['x-client-id']),
          logger: logger.child({ reqId: requestId, transport: 'ws' }),
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        return { ...result, errors: result.errors.map((error) => maskInternalError(error.toJSON(), production)) };
      },
      onError: (_ctx, id, _payload, errors) => {
        logger.warn({ subscriptionId: id, errors: errors.map((e) => e.message) }, 'graphql-ws operation failed');
      },
    },
    wss,
  );
  wss.on('error', (error) => logger.error({ err: error }, 'WebSocket server error'));
  return {
    dispose: async () => {
      await cleanup.dispose();
    },
  };
}
