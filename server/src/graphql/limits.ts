/**
 * Limits on what one caller may ask of the API, each answering with its own
 * error code:
 *
 * - QUERY_TOO_COMPLEX: an operation's cost (about one per field, times the
 *   page size for paged lists) over MAX_QUERY_COMPLEXITY;
 * - RATE_LIMITED (`extensions.retryAfter`, seconds; HTTP 429 + Retry-After):
 *   too many `classify` (with `preview`, which shares its budget) /
 *   `startTraining` calls from one address;
 * - TOO_MANY_SUBSCRIPTIONS: more operations at once on one graphql-ws
 *   connection than WS_MAX_SUBSCRIPTIONS;
 * - close code 4430: more graphql-ws connections from one address than
 *   WS_MAX_CONNECTIONS_PER_IP.
 *
 * The depth limit is `depth-limit.ts`; body, image and stroke limits are
 * checked where the input is read.
 */
import { createRequire } from 'node:module';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, visit, type ASTNode, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { ComplexityEstimator } from 'graphql-query-complexity';
import { apiError, ErrorCode } from '../errors.js';
import type { RateLimit } from '../http/rate-limit.js';
import { hookRootField } from './field-hooks.js';

// Its ESM build imports graphql's .mjs files, a second copy of graphql beside the CommonJS one that
// everything else here loads ("Cannot use GraphQLObjectType from another module or realm"): use its CJS build.
const { getComplexity, simpleEstimator } = createRequire(import.meta.url)('graphql-query-complexity') as typeof import('graphql-query-complexity');

/** The largest page any paged field serves; the fields themselves refuse more with BAD_USER_INPUT. */
const MAX_PAGE = 200;

/**
 * Paged fields cost their page size times their selection: `predictions(first: 50) { ... }`
 * costs 50 times what one item does. A size over MAX_PAGE counts as MAX_PAGE, so that
 * the field's own, more precise error answers it.
 */
const pagedEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const size = [args.first, args.limit].find((value): value is number => typeof value === 'number' && value > 0);
  return size === undefined ? undefined : 1 + Math.min(size, MAX_PAGE) * childComplexity;
};

const ESTIMATORS = [pagedEstimator, simpleEstimator({ defaultComplexity: 1 })];

/**
 * The cost of running `document` (the chosen operation) with `variables`.
 *
 * @throws GraphQLError when variables do not fit the operation (reported by validation anyway)
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, variables?: Record<string, unknown>, operationName?: string): number {
  return getComplexity({ schema, query: document, variables: variables ?? {}, operationName: operationName ?? undefined, estimators: ESTIMATORS });
}

/** Argument names whose value scales a paged field's cost (see `pagedEstimator`). */
const PAGE_ARGUMENTS = new Set(['first', 'limit']);

/**
 * The variables an operation's cost can depend on: those given to a page
 * size, and those of `@skip`/`@include` (the cost leaves out skipped fields).
 * Every other variable (a drawing's strokes, say) cannot change it.
 */
function costVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (value: ASTNode) =>
    visit(value, {
      Variable(node) {
        names.add(node.name.value);
      },
    });
  visit(document, {
    Directive(node) {
      collect(node);
    },
    Argument(node) {
      if (PAGE_ARGUMENTS.has(node.name.value)) collect(node.value);
    },
  });
  return [...names].sort();
}

interface DocumentCosts {
  variables: string[];
  /** Cost by operation name and the values of `variables`. */
  costs: Map<string, number>;
}

/** Costs already worked out, per parsed document (Apollo hands out the same object for the same query text). */
const costCache = new WeakMap<DocumentNode, DocumentCosts>();
/** Distinct page sizes remembered per document, at most. */
const MAX_COSTS_PER_DOCUMENT = 64;

/**
 * {@link operationCost}, remembered per document and the variables the cost
 * depends on: working it out coerces every variable, and a classify call's
 * strokes are most of a request.
 */
function cachedOperationCost(schema: GraphQLSchema, document: DocumentNode, variables?: Record<string, unknown>, operationName?: string): number {
  let entry = costCache.get(document);
  if (!entry) {
    entry = { variables: costVariables(document), costs: new Map() };
    costCache.set(document, entry);
  }
  const key = JSON.stringify([operationName ?? null, entry.variables.map((name) => variables?.[name] ?? null)]);
  const known = entry.costs.get(key);
  if (known !== undefined) return known;
  const cost = operationCost(schema, document, variables, operationName);
  if (entry.costs.size >= MAX_COSTS_PER_DOCUMENT) entry.costs.clear();
  entry.costs.set(key, cost);
  return cost;
}

/** The QUERY_TOO_COMPLEX error, or undefined when the operation is within `maxCost`. */
export function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  maxCost: number,
  variables?: Record<string, unknown> | null,
  operationName?: string | null,
): GraphQLError | undefined {
  let cost: number;
  try {
    cost = cachedOperationCost(schema, document, variables ?? undefined, operationName ?? undefined);
  } catch (error) {
    // Bad variables or an unknown operation name: graphql's own validation and execution say what is wrong.
    if (error instanceof GraphQLError) return undefined;
    throw error;
  }
  if (cost <= maxCost) return undefined;
  return apiError(
    ErrorCode.QUERY_TOO_COMPLEX,
    `The operation costs ${cost}, over the limit of ${maxCost} (about one per field selected, times the page size of paged lists). ` +
      'Ask for fewer fields or smaller pages, or split the operation.',
    { cost, maxCost },
  );
}

/** Apollo plugin refusing operations over `maxCost` (HTTP 400) before they run. */
export function complexityPlugin(maxCost: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          const error = checkCost(schema, document, maxCost, request.variables, request.operationName);
          if (error) {
            // Apollo turns `extensions.http` into the response status (and removes it from the body).
            error.extensions.http = { status: 400 };
            throw error;
          }
        },
      };
    },
  };
}

/** Apollo plugin answering HTTP 429 with `Retry-After` when an operation was refused by a rate limit and produced no data. */
export const rateLimitStatusPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const { data, errors } = response.body.singleResult;
        if (data !== null && data !== undefined && Object.values(data).some((value) => value !== null)) return;
        const limited = errors?.find((error) => error.extensions?.code === ErrorCode.RATE_LIMITED);
        if (!limited) return;
        response.http.status = 429;
        response.http.headers.set('retry-after', String(limited.extensions?.retryAfter ?? 1));
      },
    };
  },
};

/** The RATE_LIMITED error for `limit`, refusing a call of `field` (which may share the limit of another). */
export function rateLimited(limit: Pick<RateLimit, 'name' | 'points' | 'windowS'>, retryAfterS: number, field = limit.name): GraphQLError {
  const window = limit.windowS % 3600 === 0 ? `${limit.windowS / 3600} h` : limit.windowS % 60 === 0 ? `${limit.windowS / 60} min` : `${limit.windowS} s`;
  const calls = field === limit.name ? `\`${field}\` calls` : `\`${field}\` calls (they count against the \`${limit.name}\` limit)`;
  return apiError(
    ErrorCode.RATE_LIMITED,
    `Too many ${calls} from your address: at most ${limit.points} per ${window}. Retry in ${retryAfterS} s.`,
    { retryAfter: retryAfterS, limit: limit.name },
  );
}

/** What the rate-limited fields need from the GraphQL context. */
export interface HasCallerAddress {
  /** The caller's address (see `auth/caller.ts`). */
  readonly ip: string;
}

/** A root field a rate limit counts. */
export interface LimitedField {
  readonly type: 'Query' | 'Mutation';
  readonly name: string;
}

/**
 * Counts each call of the `fields` (by default `Mutation.<limit.name>`)
 * against the caller's address before it runs; over the limit it throws
 * RATE_LIMITED instead. Fields given together draw on one budget.
 */
export function rateLimitField(
  schema: GraphQLSchema,
  limit: RateLimit,
  onLimited?: (name: string) => void,
  fields: readonly LimitedField[] = [{ type: 'Mutation', name: limit.name }],
): void {
  for (const field of fields) {
    hookRootField<HasCallerAddress>(
      schema,
      field.name,
      async (next, { context }) => {
        const decision = await limit.consume(context.ip);
        if (!decision.allowed) {
          onLimited?.(limit.name);
          throw rateLimited(limit, decision.retryAfterS, field.name);
        }
        return next();
      },
      field.type,
    );
  }
}

/** Close code and reason for a connection refused by `WS_MAX_CONNECTIONS_PER_IP`. */
export const CLOSE_TOO_MANY_CONNECTIONS = 4430;

/**
 * Counts open graphql-ws connections per address. `admit` says whether a new
 * one fits; each admitted connection must be `release`d once closed.
 */
export class ConnectionLimit {
  readonly #open = new Map<string, number>();

  constructor(readonly maxPerAddress: number) {}

  /** Total open connections counted. */
  get size(): number {
    let total = 0;
    for (const n of this.#open.values()) total += n;
    return total;
  }

  admit(address: string): boolean {
    const open = this.#open.get(address) ?? 0;
    if (open >= this.maxPerAddress) return false;
    this.#open.set(address, open + 1);
    return true;
  }

  release(address: string): void {
    const open = (this.#open.get(address) ?? 0) - 1;
    if (open > 0) this.#open.set(address, open);
    else this.#open.delete(address);
  }

  /** The close reason (at most 123 bytes, as WebSocket allows). */
  reason(): string {
    return `Too many WebSocket connections from your address (limit ${this.maxPerAddress}); close some first`;
  }
}

/** The TOO_MANY_SUBSCRIPTIONS error when a connection already runs `running` operations (the new one included) over `max`. */
export function checkSubscriptionCount(running: number, max: number): GraphQLError | undefined {
  if (running <= max) return undefined;
  return apiError(
    ErrorCode.TOO_MANY_SUBSCRIPTIONS,
    `This connection already runs ${max} operations, the most allowed (WS_MAX_SUBSCRIPTIONS); complete (unsubscribe) one before starting another.`,
    { max },
  );
}
