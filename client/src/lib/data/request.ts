import type { AnyVariables, Client, CombinedError, DocumentInput, OperationContext } from '@urql/core';
import { describeError, type ApiProblem } from '$lib/graphql/errors';

/** A settled API call: its data, or the problem to show. */
export type Outcome<Data> = { readonly ok: true; readonly data: Data } | { readonly ok: false; readonly problem: ApiProblem; readonly error?: CombinedError };

function settle<Data>(result: { data?: Data | null; error?: CombinedError }): Outcome<Data> {
  if (result.error) return { ok: false, problem: describeError(result.error), error: result.error };
  if (result.data == null) return { ok: false, problem: { code: 'UNKNOWN', message: 'The server answered without data.' } };
  return { ok: true, data: result.data };
}

/**
 * Runs a query over HTTP (always POST: urql would send short queries as GET,
 * which the server's CSRF protection refuses without a preflight header) and
 * settles it into an {@link Outcome}.
 */
export async function query<Data, Variables extends AnyVariables>(
  client: Client,
  document: DocumentInput<Data, Variables>,
  variables: Variables,
  context?: Partial<OperationContext>,
): Promise<Outcome<Data>> {
  return settle(await client.query(document, variables, { preferGetMethod: false, ...context }).toPromise());
}

/** Runs a mutation over HTTP and settles it into an {@link Outcome}. */
export async function mutate<Data, Variables extends AnyVariables>(
  client: Client,
  document: DocumentInput<Data, Variables>,
  variables: Variables,
  context?: Partial<OperationContext>,
): Promise<Outcome<Data>> {
  return settle(await client.mutation(document, variables, context).toPromise());
}

/**
 * Follows a subscription over graphql-ws, calling `onData` for each event
 * and `onProblem` for an error; returns the function that ends it.
 */
export function follow<Data, Variables extends AnyVariables>(
  client: Client,
  document: DocumentInput<Data, Variables>,
  variables: Variables,
  onData: (data: Data) => void,
  onProblem?: (problem: ApiProblem) => void,
): () => void {
  const { unsubscribe } = client.subscription(document, variables).subscribe((result) => {
    if (result.error) onProblem?.(describeError(result.error));
    else if (result.data) onData(result.data);
  });
  return unsubscribe;
}

/** The `extensions.field` a BAD_USER_INPUT error names, if any. */
export function errorField(error: CombinedError | undefined): string | undefined {
  const field = error?.graphQLErrors[0]?.extensions?.['field'];
  return typeof field === 'string' ? field : undefined;
}

/** The outcome with its data reshaped (a problem passes through). */
export function mapOutcome<From, To>(outcome: Outcome<From>, pick: (data: From) => To): Outcome<To> {
  return outcome.ok ? { ok: true, data: pick(outcome.data) } : outcome;
}
