/**
 * Load test: 64 clients classify a stroke drawing for LOAD_DURATION_S seconds
 * (default 60) against the compiled API on loopback, with rate limits off;
 * then LOAD_SOAK_ROUNDS (default 3) more runs as long on the same server,
 * reading its memory after each, to show that memory levels off.
 * Reports errors, throughput, latency percentiles, whether every answered
 * classify was stored (rows before/after), and the server's memory and
 * TensorFlow.js tensor count before/after (flat when nothing leaks).
 *
 *   npm run bench -- load              (after npm run build)
 *   LOAD_DURATION_S=10 LOAD_CONNECTIONS=16 LOAD_SOAK_ROUNDS=0 node bench/run.mjs load
 *   make load DURATION=60
 *
 * Uses DATABASE_URL's server for a throwaway database when set, else an embedded Postgres.
 */
import { everyAnswerStored, formatLoadReport, runClassifyLoad } from '../test/helpers/load.js';

function integer(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

const report = await runClassifyLoad({
  connections: integer('LOAD_CONNECTIONS', 64),
  durationS: integer('LOAD_DURATION_S', 60),
  soakRounds: integer('LOAD_SOAK_ROUNDS', 3, 0),
});
console.log(formatLoadReport(report));
const failed =
  report.errors + report.timeouts + report.non2xx > 0 ||
  !everyAnswerStored(report) ||
  [report.after, ...report.soak.map((round) => round.after)].some((state) => state.tensors !== report.before.tensors) ||
  report.soak.some((round) => round.errors > 0);
if (failed) {
  console.error('load test FAILED: errors, unstored answers or leaked tensors (see above)');
  process.exit(1);
}
