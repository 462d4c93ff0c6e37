/**
 * The anonymous client id of an HTTP request. A browser gets one in the
 * `mnist_client_id` cookie on its first request (page or API) and is known
 * by it from then on; other clients send `x-client-id`, which wins over the
 * cookie. The id only ties a visitor to their drawings, so it is random and
 * HttpOnly, and a malformed cookie is simply replaced.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { ErrorCode, httpErrorBody } from '../errors.js';
import { checkClientId, CLIENT_ID_PATTERN } from '../graphql/context.js';

export const CLIENT_ID_COOKIE = 'mnist_client_id';

/** Browsers cap cookie lifetimes at 400 days; ask for that. */
const COOKIE_MAX_AGE_MS = 400 * 24 * 60 * 60 * 1000;

/** The value of cookie `name` in a `Cookie` header, if any (no decoding: ids are plain ASCII). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The client id carried by a WebSocket upgrade request's headers, or a
 * message when its `x-client-id` is malformed (cookies are not checked:
 * a bad one is ignored as over HTTP).
 */
export function clientIdFromHeaders(headers: IncomingHttpHeaders): { clientId: string | null } | { message: string } {
  const header = headers['x-client-id'];
  if (header !== undefined) {
    const check = checkClientId(Array.isArray(header) ? header[0] : header, 'The x-client-id header');
    return check.ok ? { clientId: check.clientId } : { message: check.message };
  }
  const cookie = readCookie(headers.cookie, CLIENT_ID_COOKIE);
  return { clientId: cookie !== undefined && CLIENT_ID_PATTERN.test(cookie) ? cookie : null };
}

/**
 * Puts the request's client id in `res.locals.clientId`, setting a new
 * cookie when neither a header nor a valid cookie names one (the request
 * that sets it already counts as that client, so a browser's first drawing
 * is its own). A malformed `x-client-id` leaves `res.locals.clientIdError`
 * for `rejectBadClientId` to answer.
 */
export function clientIdCookie(): RequestHandler {
  return (req, res, next) => {
    const found = clientIdFromHeaders(req.headers);
    if ('message' in found) {
      res.locals.clientId = null;
      res.locals.clientIdError = found.message;
    } else if (found.clientId !== null) {
      res.locals.clientId = found.clientId;
    } else {
      const id = randomUUID();
      res.cookie(CLIENT_ID_COOKIE, id, {
        httpOnly: true,
        sameSite: 'lax',
        secure: req.secure,
        path: '/',
        maxAge: COOKIE_MAX_AGE_MS,
      });
      res.locals.clientId = id;
    }
    next();
  };
}

/** Answers 400 BAD_USER_INPUT (GraphQL-shaped) when `clientIdCookie` found a malformed `x-client-id`. */
export function rejectBadClientId(): RequestHandler {
  return (_req, res, next) => {
    const message = res.locals.clientIdError as string | undefined;
    if (message) {
      res.status(400).json(httpErrorBody(ErrorCode.BAD_USER_INPUT, message));
      return;
    }
    next();
  };
}
