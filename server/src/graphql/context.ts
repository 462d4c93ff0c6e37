import type { AdminAccess } from '../auth/admin.js';
import type { Logger } from '../logger.js';
import type { Viewer } from '../services/access.js';

/**
 * What every resolver gets, over HTTP and over WebSocket alike. `clientId`
 * and `isAdmin` make it a `Viewer`: services decide access from them alone
 * (see `services/access.ts`).
 */
export interface Context extends Viewer {
  requestId: string;
  /** The caller's anonymous id: `connectionParams.clientId` (WebSocket), `x-client-id`, or the `mnist_client_id` cookie. */
  clientId: string | null;
  /** Admin callers see and change every client's data: true only for a caller that sent ADMIN_TOKEN (see `auth/admin.ts`). */
  isAdmin: boolean;
  /** Whether the caller may run admin operations (`@Authorized(ADMIN)`): with the token, or from loopback when none is configured. */
  admin: AdminAccess;
  /** The caller's address after trusted proxies; rate limits count per address. */
  ip: string;
  logger: Logger;
}

/** A UUID (what the cookie holds) or any other 8 to 64 letters, digits, `_` or `-`. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

export type ClientIdCheck = { ok: true; clientId: string | null } | { ok: false; message: string };

/**
 * Checks a client id a caller sent explicitly (`x-client-id`,
 * `connectionParams.clientId`): absent (undefined or null) gives null, a
 * well-formed id itself, anything else a message naming `field`.
 */
export function checkClientId(value: unknown, field: string): ClientIdCheck {
  if (value === undefined || value === null) return { ok: true, clientId: null };
  if (typeof value === 'string' && CLIENT_ID_PATTERN.test(value)) return { ok: true, clientId: value };
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : `a ${typeof value}`;
  return {
    ok: false,
    message: `${field} must be a UUID or 8 to 64 letters, digits, "_" or "-", got ${shown}; omit it to use the mnist_client_id cookie`,
  };
}
