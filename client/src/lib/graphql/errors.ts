import type { CombinedError } from '@urql/core';

/** A failed API call, reduced to what the UI shows. */
export interface ApiProblem {
  /** `extensions.code` of the first GraphQL error, or `NETWORK` when the server was not reached. */
  readonly code: string;
  /** A sentence for people: the server's message, or ours for network failures. */
  readonly message: string;
}

/** Message shown whenever an HTTP request does not reach the API. */
export const UNREACHABLE_MESSAGE = "Can't reach the server. Check that it is running; the app retries on its own.";

/** Turns urql's CombinedError into the code and message the UI shows. */
export function describeError(error: CombinedError): ApiProblem {
  const first = error.graphQLErrors[0];
  if (first) {
    const code = first.extensions?.['code'];
    return { code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR', message: first.message };
  }
  if (error.networkError) return { code: 'NETWORK', message: UNREACHABLE_MESSAGE };
  return { code: 'UNKNOWN', message: error.message };
}
