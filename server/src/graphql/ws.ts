/**
 * GraphQL over WebSocket (graphql-ws protocol) on the HTTP server's
 * `/graphql` path, beside Apollo's HTTP handler on the same path. The only
 * file that knows about the `ws` package.
 */
import type { IncomingHttpHeaders, Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { maskInternalError } from '../errors.js';
import type { Logger } from '../logger.js';
import { clientIdFromHeaders } from '../http/client-id.js';
import { checkClientId, type Context } from './context.js';
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

/** Close code for a connection refused for a malformed `connectionParams.clientId` or `x-client-id`. */
export const CLOSE_BAD_CLIENT_ID = 4400;
export const BAD_CLIENT_ID_REASON = 'Bad client id (connectionParams.clientId or x-client-id): use a UUID or 8 to 64 of A-Za-z0-9_-';

/**
 * The client id of a connection: `connectionParams.clientId`, else the
 * upgrade request's `x-client-id` header, else its cookie.
 */
function connectionClientId(params: Record<string, unknown>, headers: IncomingHttpHeaders): { clientId: string | null } | { message: string } {
  const check = checkClientId(params.clientId, 'connectionParams.clientId');
  if (!check.ok) return { message: check.message };
  return check.clientId !== null ? { clientId: check.clientId } : clientIdFromHeaders(headers);
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
      onConnect: (ctx) => {
        const found = connectionClientId(ctx.connectionParams ?? {}, ctx.extra.request.headers);
        if (!('message' in found)) return true;
        // graphql-ws would close with 4403 Forbidden; say what is wrong instead (its own close then has no
        // effect). A close reason is at most 123 bytes, so it does not echo the value.
        ctx.extra.socket.close(CLOSE_BAD_CLIENT_ID, BAD_CLIENT_ID_REASON);
        return false;
      },
      context: (ctx): Context => {
        const requestId = randomUUID();
        const found = connectionClientId(ctx.connectionParams ?? {}, ctx.extra.request.headers);
        return {
          requestId,
          clientId: 'clientId' in found ? found.clientId : null,
          isAdmin: false,
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
