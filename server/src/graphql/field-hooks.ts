/**
 * Wraps the resolvers of root fields after the schema is built, so that
 * cross-cutting concerns (rate limits, metrics) apply to one field over HTTP
 * and WebSocket alike without touching the resolver classes or costing
 * anything on the other fields.
 */
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';

export type FieldHook<TContext> = (
  next: () => Promise<unknown>,
  call: { args: Record<string, unknown>; context: TContext; fieldName: string },
) => Promise<unknown>;

/**
 * Runs `hook` around the resolver of `Mutation.<field>` (or Query /
 * Subscription with `type`). Hooks added later run outside earlier ones.
 *
 * @throws Error when the schema has no such field (a renamed field must not silently lose its limit)
 */
export function hookRootField<TContext>(
  schema: GraphQLSchema,
  field: string,
  hook: FieldHook<TContext>,
  type: 'Query' | 'Mutation' = 'Mutation',
): void {
  const root = type === 'Query' ? schema.getQueryType() : schema.getMutationType();
  const definition = root?.getFields()[field];
  if (!definition) throw new Error(`hookRootField: the schema has no ${type}.${field}`);
  const resolve: GraphQLFieldResolver<unknown, TContext> = definition.resolve ?? defaultFieldResolver;
  definition.resolve = (source, args, context, info) =>
    hook(async () => resolve(source, args, context, info), { args, context, fieldName: info.fieldName });
}
