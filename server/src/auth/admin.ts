/**
 * The admin token: operations that change the system for everyone
 * (training, model activation, exports of every client's drawings) need it.
 *
 * - With `ADMIN_TOKEN` set, a caller is admin when it sends that token:
 *   `Authorization: Bearer <token>` over HTTP, `connectionParams.authorization`
 *   (`'Bearer <token>'`) or `connectionParams.adminToken` over graphql-ws.
 *   Only such a caller also owns every client's predictions (`isAdmin`).
 * - Without it (development), admin operations are allowed from this
 *   machine only (see `isLocalRequest`), and nobody owns others' data.
 *   Production refuses to start without a token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { GraphQLError } from 'graphql';
import type { AuthChecker } from 'type-graphql';
import { ConfigError, type Config } from '../config.js';
import { apiError, ErrorCode } from '../errors.js';
import { isLocalRequest } from './caller.js';

/** The TypeGraphQL role of admin operations: `@Authorized(ADMIN)`. */
export const ADMIN = 'ADMIN';

/** What a caller may do as admin, decided once per request or WebSocket connection. */
export type AdminAccess =
  | { readonly granted: true; readonly via: 'token' | 'loopback' }
  | { readonly granted: false; readonly code: typeof ErrorCode.UNAUTHENTICATED | typeof ErrorCode.FORBIDDEN; readonly reason: 'missing' | 'wrong' | 'remote' };

/** Whatever carries an AdminAccess: the GraphQL context, `res.locals`. */
export interface HasAdminAccess {
  readonly admin: AdminAccess;
}

const HOW_TO_SEND =
  'send the header `Authorization: Bearer <ADMIN_TOKEN>` (over graphql-ws: connectionParams `{ "authorization": "Bearer <ADMIN_TOKEN>" }`)';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * The token in `Authorization: Bearer <token>` (or a bare token, which
 * graphql-ws clients often put in connectionParams), else undefined.
 */
export function bearerToken(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(?:Bearer\s+)?(\S+)\s*$/i.exec(value);
  return match?.[1];
}

export class AdminAuth {
  readonly #digest: Buffer | undefined;

  /** @param token the configured ADMIN_TOKEN, if any */
  constructor(token: string | undefined) {
    this.#digest = token === undefined ? undefined : digest(token);
  }

  /** Whether a token is configured (false means loopback-only admin). */
  get tokenConfigured(): boolean {
    return this.#digest !== undefined;
  }

  /**
   * Decides admin access from the credential sent (if any) and whether the
   * request came from this machine. Digests of equal length are compared
   * with `timingSafeEqual`, so the time taken says nothing about the token.
   */
  check(sent: string | undefined, local: boolean): AdminAccess {
    if (this.#digest) {
      if (sent === undefined) return { granted: false, code: ErrorCode.UNAUTHENTICATED, reason: 'missing' };
      return timingSafeEqual(digest(sent), this.#digest)
        ? { granted: true, via: 'token' }
        : { granted: false, code: ErrorCode.UNAUTHENTICATED, reason: 'wrong' };
    }
    return local ? { granted: true, via: 'loopback' } : { granted: false, code: ErrorCode.FORBIDDEN, reason: 'remote' };
  }

  /** The access of an HTTP request (or a WebSocket upgrade, with `sent` from connectionParams when given). */
  checkRequest(request: IncomingMessage, sent: string | undefined = bearerToken(request.headers.authorization)): AdminAccess {
    return this.check(sent, isLocalRequest(request));
  }
}

/** The error answering an operation refused for `access`; `operation` names it in the message. */
export function adminDenied(access: Exclude<AdminAccess, { granted: true }>, operation: string): GraphQLError {
  switch (access.reason) {
    case 'missing':
      return apiError(ErrorCode.UNAUTHENTICATED, `${operation} needs the admin token: ${HOW_TO_SEND}.`);
    case 'wrong':
      return apiError(ErrorCode.UNAUTHENTICATED, `${operation} needs the admin token, and the token sent is not it: ${HOW_TO_SEND} with the server's ADMIN_TOKEN.`);
    case 'remote':
      return apiError(
        ErrorCode.FORBIDDEN,
        `${operation} is an admin operation. This server has no ADMIN_TOKEN, so it allows admin operations only from its own machine; ` +
          `set ADMIN_TOKEN on the server, then ${HOW_TO_SEND}.`,
      );
  }
}

/**
 * TypeGraphQL's `authChecker` for `@Authorized(ADMIN)`: lets admins through
 * and throws UNAUTHENTICATED / FORBIDDEN saying what to send otherwise.
 */
export const adminAuthChecker: AuthChecker<HasAdminAccess> = ({ context, info }) => {
  const access = context.admin;
  if (access.granted) return true;
  throw adminDenied(access, `\`${info.fieldName}\``);
};

/**
 * Start-up check: production needs ADMIN_TOKEN, since otherwise admin
 * operations would hang on where the requests seem to come from.
 *
 * @throws ConfigError saying how to set it
 */
export function assertAdminTokenConfigured(config: Pick<Config, 'nodeEnv' | 'adminToken'>): void {
  if (config.nodeEnv === 'production' && config.adminToken === undefined) {
    throw new ConfigError(
      'Invalid configuration (fix these environment variables, see .env.example):\n' +
        '  - ADMIN_TOKEN is required when NODE_ENV=production: set it to a long random string (e.g. `openssl rand -hex 32`) ' +
        'and send it as `Authorization: Bearer <token>` for admin operations (training, model activation, exports)',
    );
  }
}
