/** A minimal GraphQL-over-HTTP client for tests: real fetch, no caching. */
import type { GraphQLFormattedError } from 'graphql';

export interface GraphQLResponse<Data> {
  status: number;
  headers: Headers;
  data?: Data | null;
  errors?: GraphQLFormattedError[];
}

export interface RequestOptions {
  headers?: Record<string, string>;
}

/** POSTs `{ query, variables }` as JSON to `${baseUrl}/graphql`. */
export async function graphql<Data = Record<string, unknown>>(
  baseUrl: string,
  query: string,
  variables?: Record<string, unknown>,
  options: RequestOptions = {},
): Promise<GraphQLResponse<Data>> {
  return postGraphQL<Data>(baseUrl, JSON.stringify({ query, variables }), options);
}

/** POSTs a raw body (for bodies no JSON.stringify would make). */
export async function postGraphQL<Data>(baseUrl: string, body: string, options: RequestOptions = {}): Promise<GraphQLResponse<Data>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...options.headers },
    body,
  });
  const text = await response.text();
  let json: { data?: Data | null; errors?: GraphQLFormattedError[] };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    throw new Error(`expected a JSON GraphQL response, got ${response.status} ${response.headers.get('content-type')}: ${text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, ...json };
}

/** The `extensions.code` of each error, for compact assertions. */
export const errorCodes = (response: GraphQLResponse<unknown>): unknown[] =>
  (response.errors ?? []).map((error) => error.extensions?.code);
