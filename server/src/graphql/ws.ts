/**
 * GraphQL over WebSocket (graphql-ws protocol) on the HTTP server's
 * `/graphql` path, beside Apollo's HTTP handler on the same path. The only
 * file that knows about the `ws` package.
 */
import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { GraphQLError, parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { bearerToken, type AdminAccess, type AdminAuth } from '../auth/admin.js';
import { callerAddress, type TrustFunction } from '../auth/caller.js';
import { formatClientError } from '../errors.js';
import type { Logger } from '../logger.js';
import { clientIdFromHeaders } from '../http/client-id.js';
import { checkClientId, type Context } from './context.js';
import { depthLimit } from './depth-limit.js';
import { checkCost, checkSubscriptionCount, CLOSE_TOO_MANY_CONNECTIONS, ConnectionLimit } from './limits.js';

export interface WebSocketOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  logger: Logger;
  /** Largest accepted message, in bytes (the HTTP body limit). */
  maxPayload: number;
  maxQueryDepth: number;
  production: boolean;
  /** Decides each connection's admin access from `connectionParams` or the upgrade's `Authorization`. */
  adminAuth: AdminAuth;
  /** Which proxies to believe about the caller's address (TRUST_PROXY). */
  trust: TrustFunction;
  /** Highest operation cost (MAX_QUERY_COMPLEXITY). */
  maxQueryComplexity: number;
  /** Open connections allowed per address (WS_MAX_CONNECTIONS_PER_IP). */
  maxConnectionsPerIp: number;
  /** Operations one connection may run at once (WS_MAX_SUBSCRIPTIONS). */
  maxSubscriptions: number;
  /** How long a socket may wait before `connection_init`, in ms (WS_INIT_TIMEOUT_MS). */
  initTimeoutMs: number;
  /** Told the number of open connections whenever it changes (metrics). */
  onConnectionCount?: (open: number) => void;
  /** Told the code of each error sent to a client (metrics). */
  onErrorCode?: (code: string) => void;
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

/** What a connection's upgrade request says about the caller, decided once per connection. */
interface Caller {
  ip: string;
  admin: AdminAccess;
}

/**
 * The admin credential of a connection: `connectionParams.authorization`
 * (`'Bearer <token>'`), `connectionParams.adminToken`, else the upgrade's
 * `Authorization` header.
 */
function sentToken(params: Record<string, unknown>, request: IncomingMessage): string | undefined {
  return bearerToken(params.authorization) ?? bearerToken(params.adminToken) ?? bearerToken(request.headers.authorization);
}

export function attachGraphQLWebSocket(options: WebSocketOptions): GraphQLWebSocket {
  const { logger, production, schema } = options;
  const wss = new WebSocketServer({ server: options.httpServer, path: '/graphql', maxPayload: options.maxPayload });
  const rules = [...specifiedRules, depthLimit(options.maxQueryDepth)];
  const connections = new ConnectionLimit(options.maxConnectionsPerIp);
  const callers = new WeakMap<WebSocket, Caller>();
  const count = (code: unknown) => {
    if (typeof code === 'string') options.onErrorCode?.(code);
  };

  // Registered before graphql-ws's own listener, so a refused socket is closed before it says anything.
  wss.on('connection', (socket, request) => {
    const ip = callerAddress(request, options.trust);
    if (!connections.admit(ip)) {
      logger.warn({ ip, limit: connections.maxPerAddress }, 'WebSocket connection refused: too many from one address');
      socket.close(CLOSE_TOO_MANY_CONNECTIONS, connections.reason());
      return;
    }
    callers.set(socket, { ip, admin: options.adminAuth.checkRequest(request) });
    options.onConnectionCount?.(connections.size);
    socket.once('close', () => {
      connections.release(ip);
      options.onConnectionCount?.(connections.size);
    });
  });

  const cleanup = useServer(
    {
      schema,
      isProd: production,
      connectionInitWaitTimeout: options.initTimeoutMs,
      onConnect: (ctx) => {
        const caller = callers.get(ctx.extra.socket);
        // A socket refused by the connection limit is already closing.
        if (!caller) return false;
        const params = ctx.connectionParams ?? {};
        caller.admin = options.adminAuth.checkRequest(ctx.extra.request, sentToken(params, ctx.extra.request));
        const found = connectionClientId(params, ctx.extra.request.headers);
        if (!('message' in found)) return true;
        // graphql-ws would close with 4403 Forbidden; say what is wrong instead (its own close then has no
        // effect). A close reason is at most 123 bytes, so it does not echo the value.
        ctx.extra.socket.close(CLOSE_BAD_CLIENT_ID, BAD_CLIENT_ID_REASON);
        return false;
      },
      onSubscribe: (ctx, _id, payload) => {
        // ctx.subscriptions already holds the new operation.
        const tooMany = checkSubscriptionCount(Object.keys(ctx.subscriptions).length, options.maxSubscriptions);
        if (tooMany) return [tooMany];
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const invalid = validate(schema, document, rules);
        if (invalid.length > 0) return invalid;
        const tooComplex = checkCost(schema, document, options.maxQueryComplexity, payload.variables, payload.operationName);
        if (tooComplex) return [tooComplex];
        return { schema, document, variableValues: payload.variables, operationName: payload.operationName };
      },
      context: (ctx): Context => {
        const requestId = randomUUID();
        const found = connectionClientId(ctx.connectionParams ?? {}, ctx.extra.request.headers);
        const caller = callers.get(ctx.extra.socket) ?? { ip: callerAddress(ctx.extra.request, options.trust), admin: options.adminAuth.checkRequest(ctx.extra.request) };
        return {
          requestId,
          clientId: 'clientId' in found ? found.clientId : null,
          isAdmin: caller.admin.granted && caller.admin.via === 'token',
          admin: caller.admin,
          ip: caller.ip,
          logger: logger.child({ reqId: requestId, transport: 'ws' }),
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        const errors = result.errors.map((error) => formatClientError(error.toJSON(), error.originalError, production));
        for (const error of errors) count(error.extensions?.code);
        return { ...result, errors };
      },
      onError: (_ctx, id, _payload, errors) => {
        for (const error of errors) count(error.extensions?.code ?? 'GRAPHQL_VALIDATION_FAILED');
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
