/**
 * Who is calling, as far as the network tells: the caller's address (after
 * trusted proxies) and whether the request came straight from this machine.
 * HTTP requests and WebSocket upgrades are both `IncomingMessage`s, so rate
 * limits and the admin rule see the same address over either transport.
 */
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { Config } from '../config.js';

export type TrustFunction = (address: string, hop: number) => boolean;

/** express's `trust proxy` semantics for `TRUST_PROXY`: true, false, a hop count, or a list of addresses/CIDRs/names. */
export function compileTrust(value: Config['trustProxy']): TrustFunction {
  if (value === true) return () => true;
  if (value === false) return () => false;
  if (typeof value === 'number') return (_address, hop) => hop < value;
  return proxyaddr.compile(value.split(',').map((part) => part.trim()).filter(Boolean));
}

/**
 * The caller's address: the socket's peer, or the nearest untrusted address
 * in `X-Forwarded-For` when the peer is a trusted proxy.
 */
export function callerAddress(request: IncomingMessage, trust: TrustFunction): string {
  // proxy-addr only reads `headers` and `socket.remoteAddress`, both on any IncomingMessage.
  return proxyaddr(request as Parameters<typeof proxyaddr>[0], trust) || 'unknown';
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/**
 * Whether the request was made on this machine: its peer is a loopback
 * address and it carries no forwarding header. A reverse proxy on the same
 * machine adds one (nginx, Caddy, Traefik do), so its traffic never counts
 * as local even when TRUST_PROXY is unset.
 */
export function isLocalRequest(request: IncomingMessage): boolean {
  const peer = request.socket.remoteAddress ?? '';
  if (!LOOPBACK.test(peer)) return false;
  const h = request.headers;
  return h['x-forwarded-for'] === undefined && h.forwarded === undefined && h['x-real-ip'] === undefined;
}
