/**
 * Child processes for multi-process tests: API servers and training workers
 * started from their compiled entries, with their pino lines parsed so a
 * test can wait for "listening" or "worker ready".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const DIST = join(process.cwd(), 'server', 'dist', 'server', 'src');
export const API_ENTRY = join(DIST, 'main.js');
export const WORKER_ENTRY = join(DIST, 'jobs', 'worker.main.js');

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface ChildNode {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: LogLine[];
  /** Its stderr, line by line (crashes print here). */
  readonly stderr: string[];
  /** Resolves with the first log line matching `predicate` (also one already seen). */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILLs after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

/** Starts `node entry` with `env` added to this process's environment. */
export function startNode(name: string, entry: string, env: Record<string, string>): ChildNode {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, LOG_LEVEL: 'info', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Whatever ends this test process (a crash included), the child goes with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      lines.push({ level: 30, msg: text });
    }
    for (const wake of [...waiters]) wake();
  });
  createInterface({ input: child.stderr! }).on('line', (text) => stderr.push(text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const wake of [...waiters]) wake();
      resolve({ code, signal });
    }),
  );
  const node: ChildNode = {
    name,
    child,
    lines,
    stderr,
    exited,
    waitForLog(predicate, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(predicate);
          if (found) return done(() => resolve(found));
          if (child.exitCode !== null || child.signalCode !== null) {
            return done(() =>
              reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before the awaited log line; stderr: ${stderr.slice(-5).join(' | ')}; last: ${JSON.stringify(lines.slice(-3))}`)),
            );
          }
        };
        const timer = setTimeout(() => done(() => reject(new Error(`${name}: no awaited log line within ${timeoutMs} ms; last: ${JSON.stringify(lines.slice(-3))}`))), timeoutMs);
        const done = (fn: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          fn();
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return node;
}

/** Starts an API server process on a free port; resolves with its base URL once it listens. */
export async function startApiProcess(name: string, env: Record<string, string>): Promise<ChildNode & { url: string; wsUrl: string }> {
  const node = startNode(name, API_ENTRY, { PORT: '0', HOST: '127.0.0.1', ...env });
  try {
    const line = await node.waitForLog((l) => l.msg === 'MNIST Studio is listening', 90_000);
    const url = String(line.url);
    return Object.assign(node, { url, wsUrl: `${url.replace(/^http/, 'ws')}/graphql` });
  } catch (error) {
    await node.stop('SIGKILL');
    throw error;
  }
}

/** Starts a training worker process; resolves once it takes jobs. */
export async function startWorkerProcess(name: string, env: Record<string, string>): Promise<ChildNode> {
  const node = startNode(name, WORKER_ENTRY, env);
  try {
    await node.waitForLog((l) => l.msg === 'worker ready', 60_000);
    return node;
  } catch (error) {
    await node.stop('SIGKILL');
    throw error;
  }
}
