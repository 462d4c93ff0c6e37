/**
 * Classify over HTTP against in-process inference, measured in one run:
 * - in-process: `Classifier.predict` of the committed model, one call at a
 *   time (the single-request rate) and 32 calls in flight (micro-batched);
 * - HTTP: `classify` with strokes through the compiled API on loopback, with
 *   preprocessing and the row stored in Postgres, at 1 and at 32 clients,
 *   asking what the Draw page asks for; then at 32 clients asking for every
 *   field, the 784 pixels included.
 * The figure that matters is the ratio: HTTP req/s at 32 clients against the
 * in-process single-call predict rate.
 *
 *   npm run bench -- classify           CLASSIFY_DURATION_S=15 by default
 */
import * as tf from '@tensorflow/tfjs';
import { Classifier } from '../server/src/ml/classifier.js';
import { readArtifactsDir } from '../server/src/ml/artifacts.js';
import { CLASSIFY } from '../test/helpers/drawings.js';
import { formatLoadReport, runClassifyLoad } from '../test/helpers/load.js';

const durationS = Number(process.env.CLASSIFY_DURATION_S ?? 15);
if (!Number.isInteger(durationS) || durationS < 1) throw new Error(`CLASSIFY_DURATION_S must be a positive integer, got ${process.env.CLASSIFY_DURATION_S}`);
const modelDir = process.env.DEFAULT_MODEL_DIR ?? 'data/model';

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
const single = await predictRate(classifier, 1, 5);
const batched = await predictRate(classifier, 32, 5);
classifier.dispose();
console.log(`in-process predict (${tf.getBackend()}): ${single.toFixed(0)}/s one at a time (${(1000 / single).toFixed(2)} ms each), ${batched.toFixed(0)}/s with 32 in flight`);

const runs = [
  { connections: 1, what: "the Draw page's fields" },
  { connections: 32, what: "the Draw page's fields" },
  { connections: 32, what: 'every field, pixels included', query: CLASSIFY },
];
for (const { connections, what, query } of runs) {
  const report = await runClassifyLoad({ connections, durationS, query, env: { DEFAULT_MODEL_DIR: modelDir } });
  console.log(`\nHTTP classify, ${connections} client(s), ${what}:`);
  console.log(formatLoadReport(report));
  console.log(`ratio to in-process single-call predict rate: ${((report.throughput / single) * 100).toFixed(0)}%`);
}
