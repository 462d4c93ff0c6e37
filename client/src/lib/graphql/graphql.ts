import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.d.ts';

/**
 * Tagged `graphql()` whose documents are typed from the server's
 * schema.graphql (via the generated graphql-env.d.ts). Keep operations in
 * `.ts` files: `gql-tada check` in the client build validates them there.
 */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: {
    /** ISO 8601 timestamp, as graphql-scalars serialises it. */
    DateTime: string;
  };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from 'gql.tada';
export { readFragment } from 'gql.tada';
