/**
 * Structured JSON logs (pino). One root logger per server; requests get a
 * child logger carrying their `reqId` so every line of one request can be
 * grepped together.
 */
import { randomUUID } from 'node:crypto';
import { pino, type Logger as PinoLogger } from 'pino';
import type { Config } from './config.js';

export type Logger = PinoLogger;

/** Creates the root logger at the configured level; secrets never reach it. */
export function createLogger(config: Pick<Config, 'logLevel' | 'nodeEnv'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'mnist-studio' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['databaseUrl', 'config.databaseUrl', 'req.headers.cookie', 'req.headers.authorization'], censor: '[redacted]' },
  });
}

/**
 * The id of a request: the caller's `x-request-id` when it is short and
 * printable (so a proxy's id carries through), else a fresh UUID.
 */
export function requestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[\w.:-]{1,128}$/.test(value) ? value : randomUUID();
}
