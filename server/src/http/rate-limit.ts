/**
 * Rate limits per caller (rate-limiter-flexible, fixed windows). With
 * RATE_LIMIT_STORE=postgres the counters live in the `rate_limits` table
 * (migration 0004), so a limit holds across every API instance behind a
 * load balancer; `memory` keeps them per process (a single instance, or
 * limits that may be multiplied by the instance count). When Postgres
 * fails, a per-process memory limiter stands in, so an outage neither
 * lifts the limits nor turns them into errors.
 */
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';

export type RateDecision = { allowed: true } | { allowed: false; /** Whole seconds until a call is allowed again (at least 1). */ retryAfterS: number };

export interface RateLimit {
  /** Names the limit in errors and metrics (`classify`, `startTraining`). */
  readonly name: string;
  /** Calls allowed per window. */
  readonly points: number;
  /** Window length, in seconds. */
  readonly windowS: number;
  /** Counts one call by `key` (the caller's address). */
  consume(key: string): Promise<RateDecision>;
}

export interface RateLimitOptions {
  name: string;
  points: number;
  windowS: number;
  store: Config['rateLimitStore'];
  /** A `pg` pool on the application database (needed for the postgres store). */
  pool?: unknown;
}

/** A limit, or undefined when `points` is 0 (the limit is off). */
export function createRateLimit(options: RateLimitOptions): RateLimit | undefined {
  const { name, points, windowS } = options;
  if (points <= 0) return undefined;
  const memory = new RateLimiterMemory({ keyPrefix: name, points, duration: windowS });
  let limiter: RateLimiterAbstract = memory;
  if (options.store === 'postgres') {
    if (!options.pool) throw new Error('createRateLimit: the postgres store needs a pool');
    limiter = new RateLimiterPostgres({
      storeClient: options.pool,
      storeType: 'pool',
      tableName: 'rate_limits',
      tableCreated: true,
      keyPrefix: name,
      points,
      duration: windowS,
      insuranceLimiter: memory,
    });
  }
  return {
    name,
    points,
    windowS,
    async consume(key) {
      try {
        await limiter.consume(key, 1);
        return { allowed: true };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterS: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
        throw rejection;
      }
    },
  };
}
