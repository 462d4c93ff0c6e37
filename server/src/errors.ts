/**
 * Errors that reach API clients: GraphQLErrors with a stable
 * `extensions.code` and a message that says what to fix. Anything else is an
 * internal error whose details stay in the logs in production.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

export const ErrorCode = {
  /** The request is malformed or a value is out of range; the message names the field. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The drawing has no ink (or the image is one flat colour). */
  EMPTY_DRAWING: 'EMPTY_DRAWING',
  /** The request body, the image or the drawing exceeds a configured limit. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** No model is loaded yet; retry once `/healthz` answers 200. */
  MODEL_NOT_READY: 'MODEL_NOT_READY',
  NOT_FOUND: 'NOT_FOUND',
  /** The object is in a state that forbids the operation (e.g. cancelling a finished training job). */
  CONFLICT: 'CONFLICT',
  /** A training job would have no data (no MNIST digits and no labelled drawings to train on). */
  EMPTY_DATASET: 'EMPTY_DATASET',
  /** The operation needs the admin token and none (or a wrong one) was sent; the message says how to send it. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  /** Too many requests from this caller; `extensions.retryAfter` says in how many seconds to retry. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The operation would select too many fields (`extensions.cost` against `extensions.maxCost`). */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** A graphql-ws connection has as many operations running as allowed; complete one first. */
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
  /** Postgres cannot be reached right now (restarting, failing over); retry in a few seconds. */
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A client-facing error; `details` go into `extensions` beside `code` (e.g. `{ field: 'input.pixels' }`). */
export function apiError(code: ErrorCode, message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...details, code } });
}

export const badUserInput = (message: string, field?: string): GraphQLError =>
  apiError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});

export const payloadTooLarge = (message: string, field?: string): GraphQLError =>
  apiError(ErrorCode.PAYLOAD_TOO_LARGE, message, field ? { field } : {});

/** Turns anything thrown into an `Error`, keeping the original as `cause`. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  let text: string;
  try {
    text = JSON.stringify(thrown) ?? String(thrown);
  } catch {
    text = String(thrown);
  }
  return new Error(`Non-error thrown: ${text}`, { cause: thrown });
}

/** The `extensions.code` of a thrown value, if it carries one. */
export function errorCode(thrown: unknown): string | undefined {
  if (thrown instanceof GraphQLError) {
    const code = thrown.extensions?.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** SQLSTATE classes and codes meaning the server is gone or refusing connections, not that the query is wrong. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i;

/**
 * Whether `thrown` (or its cause) says Postgres is unreachable — down,
 * restarting, refusing connections — rather than that the query failed.
 */
export function isDatabaseUnavailable(thrown: unknown): boolean {
  for (let error = thrown, depth = 0; error && depth < 5; depth++) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || UNAVAILABLE_ERRNOS.has(code))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    // TypeORM wraps the driver's error; graphql-js and Error keep theirs as originalError / cause.
    const wrapped = error as { driverError?: unknown; cause?: unknown; originalError?: unknown };
    error = wrapped.driverError ?? wrapped.originalError ?? wrapped.cause;
  }
  return false;
}

/**
 * Formats an error for a client: a database outage becomes
 * DATABASE_UNAVAILABLE (in any mode: it is the client's cue to retry), then
 * `maskInternalError` applies. `original` is the thrown value behind
 * `formatted`, when known.
 */
export function formatClientError(formatted: GraphQLFormattedError, original: unknown, production: boolean): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if ((code === undefined || code === ErrorCode.INTERNAL_SERVER_ERROR) && isDatabaseUnavailable(original)) {
    return {
      message: 'The database is unavailable right now (restarting or unreachable). Retry in a few seconds.',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.DATABASE_UNAVAILABLE },
    };
  }
  return maskInternalError(formatted, production);
}

/**
 * Apollo's `formatError`: in production an error without a client-facing
 * code keeps only a generic message, so stack traces, SQL and file paths
 * never leak; the full error is logged by the caller.
 */
export function maskInternalError(formatted: GraphQLFormattedError, production: boolean): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (!production || (code !== undefined && code !== ErrorCode.INTERNAL_SERVER_ERROR)) return formatted;
  return {
    message: 'Internal server error; it has been logged. Retry later or report the request id.',
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/** A GraphQL-over-HTTP shaped body for errors raised before GraphQL runs (body too large, bad JSON). */
export function httpErrorBody(code: ErrorCode | 'BAD_REQUEST', message: string): { errors: GraphQLFormattedError[] } {
  return { errors: [{ message, extensions: { code } }] };
}
