/**
 * Classify over HTTP against in-process inference, measured in one run:
 * - in-process: `Classifier.predict` of the committed model, one call at a
 *   time (the single-request rate) and 32 calls in flight (micro-batched);
 * - HTTP: `classify` with strokes through the compiled API on loopback, with
 *   preprocessing and the row stored in Postgres, at 1 and at 32 clients,
 *   asking what the Draw page asks for; then at 32 clients asking for every
 *   field, the 784 pixels included.
 * The figure that matters is the ratio: HTTP req/s at 32 clients against the
 * in-process single-call predict rate, measured just before and after each
 * HTTP run, over CLASSIFY_ROUNDS rounds (median reported).
 *
 *   npm run bench -- classify           CLASSIFY_DURATION_S=15, CLASSIFY_ROUNDS=3 by default
 */
import * as tf from '@tensorflow/tfjs';
import { Classifier } from '../server/src/ml/classifier.js';
import { readArtifactsDir } from '../server/src/ml/artifacts.js';
import { CLASSIFY } from '../test/helpers/drawings.js';
import { formatLoadReport, runClassifyLoad } from '../test/helpers/load.js';

const durationS = Number(process.env.CLASSIFY_DURATION_S ?? 15);
if (!Number.isInteger(durationS) || durationS < 1) throw new Error(`CLASSIFY_DURATION_S must be a positive integer, got ${process.env.CLASSIFY_DURATION_S}`);
const modelDir = process.env.DEFAULT_MODEL_DIR ?? 'data/model';
const rounds = Number(process.env.CLASSIFY_ROUNDS ?? 3);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`CLASSIFY_ROUNDS must be a positive integer, got ${process.env.CLASSIFY_ROUNDS}`);

/** Predictions per second over `seconds`, with `inFlight` calls kept pending. */
async function predictRate(classifier: Classifier, inFlight: number, seconds: number): Promise<number> {
  const image = new Float32Array(784);
  for (let i = 0; i < 784; i++) image[i] = (i * 7919) % 13 === 0 ? 1 : 0;
  let done = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      await classifier.predict(image);
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done / ((performance.now() - start) / 1000);
}

const { artifacts } = await readArtifactsDir(modelDir);
const classifier = await Classifier.fromArtifacts(artifacts);
await predictRate(classifier, 1, 1); // warm-up
const batched = await predictRate(classifier, 32, 5);
console.log(`in-process predict (${tf.getBackend()}), 32 calls in flight (micro-batched): ${batched.toFixed(0)}/s`);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const query = { draw: undefined, every: CLASSIFY };
const httpRun = async (connections: number, what: string, text: string | undefined) => {
  const report = await runClassifyLoad({ connections, durationS, query: text, env: { DEFAULT_MODEL_DIR: modelDir } });
  console.log(`\nHTTP classify, ${connections} client(s), ${what}:`);
  console.log(formatLoadReport(report));
  return report;
};

// This VM's speed drifts by tens of percent within minutes, so each HTTP run
// at 32 clients is bracketed by the in-process rate measured just before and
// just after it, and the ratio is taken against their mean; the rounds'
// median is the figure.
const ratios: number[] = [];
for (let round = 1; round <= rounds; round++) {
  const before = await predictRate(classifier, 1, 5);
  const report = await httpRun(32, `the Draw page's fields, round ${round} of ${rounds}`, query.draw);
  const after = await predictRate(classifier, 1, 5);
  const single = (before + after) / 2;
  ratios.push(report.throughput / single);
  console.log(`in-process single-call predict around it: ${before.toFixed(0)}/s before, ${after.toFixed(0)}/s after (${(1000 / single).toFixed(2)} ms each)`);
  console.log(`ratio to the in-process single-call predict rate: ${(100 * ratios.at(-1)!).toFixed(0)}%`);
}
console.log(`\nratio at 32 clients, median of ${rounds} round(s): ${(100 * median(ratios)).toFixed(0)}% (rounds: ${ratios.map((r) => `${(100 * r).toFixed(0)}%`).join(', ')})`);

await httpRun(1, "the Draw page's fields", query.draw);
const every = await httpRun(32, 'every field, pixels included', query.every);
const single = await predictRate(classifier, 1, 5);
console.log(`ratio to the in-process single-call predict rate measured after it (${single.toFixed(0)}/s): ${((every.throughput / single) * 100).toFixed(0)}%`);
classifier.dispose();
