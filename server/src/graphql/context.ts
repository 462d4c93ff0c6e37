import type { Logger } from '../logger.js';

/** What every resolver gets, over HTTP and over WebSocket alike. */
export interface Context {
  requestId: string;
  /** The caller's `x-client-id` (HTTP) or `connectionParams.clientId` (WebSocket), if any. */
  clientId: string | null;
  logger: Logger;
}

/**
 * A client id as given by an untrusted caller: 1 to 128 printable ASCII
 * characters, else null (an unusable id is ignored rather than refused, as
 * it only ties predictions together).
 */
export function parseClientId(value: unknown): string | null {
  const text = Array.isArray(value) ? value[0] : value;
  return typeof text === 'string' && /^[\x21-\x7e]{1,128}$/.test(text) ? text : null;
}
