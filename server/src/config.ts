/**
 * The server's configuration, read from `process.env` once at start-up.
 *
 * Every variable is listed, with its default, in `.env.example` at the repo
 * root. A wrong value stops the server before it binds a port, with a message
 * that names the variable, says what it expects and shows what it got.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { MAX_CANVAS_SIDE, MAX_IMAGE_SIDE, MAX_POINTS } from './ml/preprocess/limits.js';

/** The repo root, whatever the working directory (config.js sits in `server/dist/server/src/`). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const TF_BACKENDS = ['auto', 'wasm', 'tensorflow'] as const;
export const RATE_LIMIT_STORES = ['postgres', 'memory'] as const;
/** Shortest accepted ADMIN_TOKEN / METRICS_TOKEN: a guessable token is no protection. */
export const MIN_TOKEN_LENGTH = 16;

export interface Config {
  /** TCP port of the HTTP + WebSocket server; 0 picks a free one. @default 3000 */
  readonly port: number;
  /** Interface to bind. @default '0.0.0.0' */
  readonly host: string;
  /** Absolute folder for local state (the embedded Postgres cluster lives in `<dataDir>/postgres`). @default '<cwd>/.data' */
  readonly dataDir: string;
  /** Postgres connection string; unset starts an embedded Postgres under `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** Port of the embedded Postgres; 0 picks a free one. Ignored with `databaseUrl`. @default 0 */
  readonly embeddedPostgresPort: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly nodeEnv: (typeof NODE_ENVS)[number];
  /** TensorFlow.js backend: `auto` prefers tfjs-node when installed, else wasm. @default 'auto' */
  readonly tfBackend: (typeof TF_BACKENDS)[number];
  /** Run classify's forward passes in a worker thread, beside the request thread instead of on it. @default true */
  readonly inferenceThread: boolean;
  /** Worker threads that decode `classify` images, off the request thread; 0 decodes them on it. @default 1 */
  readonly preprocessThreads: number;
  /** Largest accepted HTTP request body, in bytes. @default 4_194_304 // 4 MiB */
  readonly bodyLimit: number;
  /** Largest accepted image, in bytes after base64 decoding. @default 2_097_152 // 2 MiB */
  readonly maxImageBytes: number;
  /** Largest accepted image side, in pixels (also bounds a drawing's canvas). @default 2048 */
  readonly maxImageSide: number;
  /** Most points accepted in one drawing, over all strokes. @default 10_000 */
  readonly maxStrokePoints: number;
  /** Deepest accepted GraphQL selection set. @default 12 */
  readonly maxQueryDepth: number;
  /** Folder of the committed default model (model.json, weights.bin, meta.json), imported when the database has none. @default '<repo>/data/model' */
  readonly defaultModelDir: string;
  /** How long a graceful shutdown may wait for open requests and sockets, in ms. @default 10_000 */
  readonly shutdownTimeoutMs: number;
  /** Run a training worker inside the API process (`npm start` trains out of the box); `npm run worker` runs more. @default true */
  readonly runWorker: boolean;
  /** Training jobs one worker process runs at once (each takes a CPU core). @default 1 */
  readonly workerConcurrency: number;
  /** Threads each training job computes its batches on (data parallel; each takes a CPU core). @default 1 */
  readonly trainThreads: number;
  /** How often a running training job proves its worker alive, in ms. @default 2_000 */
  readonly trainingHeartbeatMs: number;
  /** A running job silent for this long is presumed lost (worker killed) and re-queued or failed, in ms. @default 15_000 */
  readonly trainingStaleMs: number;
  /** Runs a training job may take when workers die under it. @default 2 */
  readonly trainingMaxAttempts: number;
  /** Least time between two BATCH progress events of a job, in ms. @default 250 */
  readonly trainingProgressMs: number;
  /** MNIST test digits each new version is evaluated on (the first n). @default 10_000 */
  readonly evalTestLimit: number;
  /** Bearer token for admin operations (training, activation, exports, every client's data); required in production. */
  readonly adminToken: string | undefined;
  /** Bearer token `GET /metrics` requires when set; unset leaves it open (keep the port private then). */
  readonly metricsToken: string | undefined;
  /** express's `trust proxy`: which proxies' `X-Forwarded-For` names the caller (rate limits, loopback check). @default false */
  readonly trustProxy: boolean | number | string;
  /** Highest accepted operation cost (about one per field, times the page size of lists). @default 5_000 */
  readonly maxQueryComplexity: number;
  /** `classify` calls one address may make per minute; 0 turns the limit off. @default 1200 */
  readonly classifyRateLimit: number;
  /** `startTraining` calls one address may make per hour; 0 turns the limit off. @default 20 */
  readonly trainingRateLimit: number;
  /** Where rate-limit counters live: `postgres` (shared by every API instance) or `memory` (per instance). @default 'postgres' */
  readonly rateLimitStore: (typeof RATE_LIMIT_STORES)[number];
  /** Open graphql-ws connections allowed from one address. @default 20 */
  readonly wsMaxConnectionsPerIp: number;
  /** Operations (subscriptions included) one graphql-ws connection may run at once. @default 20 */
  readonly wsMaxSubscriptions: number;
  /** How long a graphql-ws socket may wait before `connection_init`, in ms. @default 3_000 */
  readonly wsInitTimeoutMs: number;
}

/** Thrown when a variable is missing or wrong; `message` lists every problem found. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const quote = (value: string): string => JSON.stringify(value);

function integer(name: string, min: number, max: number, fallback: number, hint = '') {
  const expects = `${name} must be an integer from ${min} to ${max}${hint}`;
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return fallback;
      // Underscores allowed so that `BODY_LIMIT=4_194_304` reads like the docs.
      const text = raw.trim().replaceAll('_', '');
      const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `${expects}, got ${quote(raw)}` });
        return z.NEVER;
      }
      return value;
    });
}

function oneOf<const T extends readonly string[]>(name: string, values: T, fallback: T[number]) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T[number] => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const value = raw.trim().toLowerCase();
      if (!values.includes(value)) {
        ctx.addIssue({ code: 'custom', message: `${name} must be one of ${values.join(', ')}, got ${quote(raw)}` });
        return z.NEVER;
      }
      return value as T[number];
    });
}

function path(fallback: string, base: string) {
  return z
    .string()
    .optional()
    .transform((raw) => {
      const value = raw === undefined || raw.trim() === '' ? fallback : raw.trim();
      return isAbsolute(value) ? value : resolve(base, value);
    });
}

const postgresUrl = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === '') return undefined;
    let url: URL | undefined;
    try {
      url = new URL(raw.trim());
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')) {
      ctx.addIssue({
        code: 'custom',
        // The value may hold a password: show only its scheme.
        message: `DATABASE_URL must be a URL like postgres://user:password@host:5432/database (or unset to use the embedded Postgres), got one starting with ${quote(raw.trim().slice(0, 11))}`,
      });
      return z.NEVER;
    }
    return raw.trim();
  });

function token(name: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return undefined;
      const value = raw.trim();
      if (value.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(value)) {
        // Never echo a secret, not even a wrong one.
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be at least ${MIN_TOKEN_LENGTH} printable characters without spaces (e.g. the output of \`openssl rand -hex 32\`), got ${value.length} characters`,
        });
        return z.NEVER;
      }
      return value;
    });
}

/** express's `trust proxy` values: true/false, a hop count, or addresses, CIDRs and names like `loopback`. */
const trustProxy = z
  .string()
  .optional()
  .transform((raw, ctx): boolean | number | string => {
    const value = raw?.trim() ?? '';
    if (value === '' || value === 'false') return false;
    if (value === 'true') return true;
    if (/^\d+$/.test(value)) return Number(value);
    if (/^[\w.:/,\s-]+$/.test(value)) return value;
    ctx.addIssue({
      code: 'custom',
      message: `TRUST_PROXY must be true, false, a number of proxy hops, or a comma-separated list of addresses/CIDRs (loopback, 10.0.0.0/8), got ${quote(value)}`,
    });
    return z.NEVER;
  });

function envSchema(cwd: string) {
  return z.object({
    PORT: integer('PORT', 0, 65535, 3000, ' (0 picks a free port)'),
    HOST: z
      .string()
      .optional()
      .transform((raw) => (raw === undefined || raw.trim() === '' ? '0.0.0.0' : raw.trim())),
    DATA_DIR: path('.data', cwd),
    DATABASE_URL: postgresUrl,
    EMBEDDED_PG_PORT: integer('EMBEDDED_PG_PORT', 0, 65535, 0, ' (0 picks a free port)'),
    LOG_LEVEL: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    NODE_ENV: oneOf('NODE_ENV', NODE_ENVS, 'development'),
    TF_BACKEND: oneOf('TF_BACKEND', TF_BACKENDS, 'auto'),
    INFERENCE_THREAD: oneOf('INFERENCE_THREAD', ['true', 'false'] as const, 'true'),
    PREPROCESS_THREADS: integer('PREPROCESS_THREADS', 0, 16, 1, ' (0 decodes images on the request thread)'),
    BODY_LIMIT: integer('BODY_LIMIT', 1024, 100 * 1024 * 1024, 4 * 1024 * 1024, ' (bytes)'),
    MAX_IMAGE_BYTES: integer('MAX_IMAGE_BYTES', 1024, 50 * 1024 * 1024, 2 * 1024 * 1024, ' (bytes)'),
    // Preprocessing has hard limits of its own; the configured ones may only be lower.
    MAX_IMAGE_SIDE: integer('MAX_IMAGE_SIDE', 28, Math.min(MAX_IMAGE_SIDE, MAX_CANVAS_SIDE), 2048, ' (pixels)'),
    MAX_STROKE_POINTS: integer('MAX_STROKE_POINTS', 2, MAX_POINTS, 10_000),
    MAX_QUERY_DEPTH: integer('MAX_QUERY_DEPTH', 2, 100, 12),
    DEFAULT_MODEL_DIR: path('data/model', REPO_ROOT),
    SHUTDOWN_TIMEOUT_MS: integer('SHUTDOWN_TIMEOUT_MS', 0, 600_000, 10_000, ' (milliseconds)'),
    RUN_WORKER: oneOf('RUN_WORKER', ['true', 'false'] as const, 'true'),
    WORKER_CONCURRENCY: integer('WORKER_CONCURRENCY', 1, 16, 1),
    TRAIN_THREADS: integer('TRAIN_THREADS', 1, 16, 1),
    TRAINING_HEARTBEAT_MS: integer('TRAINING_HEARTBEAT_MS', 100, 60_000, 2_000, ' (milliseconds)'),
    TRAINING_STALE_MS: integer('TRAINING_STALE_MS', 1_000, 3_600_000, 15_000, ' (milliseconds, at least twice TRAINING_HEARTBEAT_MS)'),
    TRAINING_MAX_ATTEMPTS: integer('TRAINING_MAX_ATTEMPTS', 1, 10, 2),
    TRAINING_PROGRESS_MS: integer('TRAINING_PROGRESS_MS', 0, 60_000, 250, ' (milliseconds)'),
    EVAL_TEST_LIMIT: integer('EVAL_TEST_LIMIT', 100, 10_000, 10_000, ' (MNIST test digits)'),
    ADMIN_TOKEN: token('ADMIN_TOKEN'),
    METRICS_TOKEN: token('METRICS_TOKEN'),
    TRUST_PROXY: trustProxy,
    MAX_QUERY_COMPLEXITY: integer('MAX_QUERY_COMPLEXITY', 10, 1_000_000, 5_000),
    CLASSIFY_RATE_LIMIT: integer('CLASSIFY_RATE_LIMIT', 0, 1_000_000, 1200, ' (classify and preview calls per minute per address; 0 turns it off)'),
    TRAINING_RATE_LIMIT: integer('TRAINING_RATE_LIMIT', 0, 100_000, 20, ' (calls per hour per address; 0 turns it off)'),
    RATE_LIMIT_STORE: oneOf('RATE_LIMIT_STORE', RATE_LIMIT_STORES, 'postgres'),
    WS_MAX_CONNECTIONS_PER_IP: integer('WS_MAX_CONNECTIONS_PER_IP', 1, 100_000, 20),
    WS_MAX_SUBSCRIPTIONS: integer('WS_MAX_SUBSCRIPTIONS', 1, 10_000, 20),
    WS_INIT_TIMEOUT_MS: integer('WS_INIT_TIMEOUT_MS', 100, 600_000, 3_000, ' (milliseconds)'),
  });
}

/**
 * Reads the configuration from `env` (normally `process.env`), applying
 * defaults. Relative `DATA_DIR` resolves against `cwd`, relative
 * `DEFAULT_MODEL_DIR` against the repo root.
 *
 * @throws ConfigError naming each wrong variable and how to fix it.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = envSchema(cwd).safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.message}`).join('\n');
    throw new ConfigError(`Invalid configuration (fix these environment variables, see .env.example):\n${problems}`);
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    embeddedPostgresPort: e.EMBEDDED_PG_PORT,
    logLevel: e.LOG_LEVEL,
    nodeEnv: e.NODE_ENV,
    tfBackend: e.TF_BACKEND,
    inferenceThread: e.INFERENCE_THREAD === 'true',
    preprocessThreads: e.PREPROCESS_THREADS,
    bodyLimit: e.BODY_LIMIT,
    maxImageBytes: e.MAX_IMAGE_BYTES,
    maxImageSide: e.MAX_IMAGE_SIDE,
    maxStrokePoints: e.MAX_STROKE_POINTS,
    maxQueryDepth: e.MAX_QUERY_DEPTH,
    defaultModelDir: e.DEFAULT_MODEL_DIR,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    runWorker: e.RUN_WORKER === 'true',
    workerConcurrency: e.WORKER_CONCURRENCY,
    trainThreads: e.TRAIN_THREADS,
    trainingHeartbeatMs: e.TRAINING_HEARTBEAT_MS,
    trainingStaleMs: e.TRAINING_STALE_MS,
    trainingMaxAttempts: e.TRAINING_MAX_ATTEMPTS,
    trainingProgressMs: e.TRAINING_PROGRESS_MS,
    evalTestLimit: e.EVAL_TEST_LIMIT,
    adminToken: e.ADMIN_TOKEN,
    metricsToken: e.METRICS_TOKEN,
    trustProxy: e.TRUST_PROXY,
    maxQueryComplexity: e.MAX_QUERY_COMPLEXITY,
    classifyRateLimit: e.CLASSIFY_RATE_LIMIT,
    trainingRateLimit: e.TRAINING_RATE_LIMIT,
    rateLimitStore: e.RATE_LIMIT_STORE,
    wsMaxConnectionsPerIp: e.WS_MAX_CONNECTIONS_PER_IP,
    wsMaxSubscriptions: e.WS_MAX_SUBSCRIPTIONS,
    wsInitTimeoutMs: e.WS_INIT_TIMEOUT_MS,
  });
}

/** A config with some fields replaced (tests start servers this way); the result is frozen too. */
export function withOverrides(base: Config, overrides: Partial<Config> = {}): Config {
  return Object.freeze({ ...base, ...overrides });
}
