/**
 * Classify over HTTP against in-process inference, measured in one run:
 * - in-process: TensorFlow.js's own `model.predict` of the committed model,
 *   one image per call, one call at a time (the yardstick); and the
 *   server's `Classifier.predict` (its compiled inference plan) one call at a
 *   time and with 32 calls in flight (micro-batched);
 * - HTTP: `classify` with strokes through the compiled API on loopback, with
 *   preprocessing and the row stored in Postgres, at 1 and at 32 clients,
 *   asking what the Draw page asks for; then at 32 clients asking for every
 *   field, the 784 pixels included; then at 32 clients with a digit as a
 *   pointer samples it (hundreds of points), sent raw and as the Draw page
 *   sends it (simplified, `simplifyStrokes`): what real drawings cost.
 * The figure that matters is the ratio: HTTP req/s at 32 clients against the
 * in-process single-call `model.predict` rate, measured just before and after
 * each HTTP run, over CLASSIFY_ROUNDS rounds (median reported). The ratio to
 * the server's own single-call rate is printed next to it.
 *
 *   npm run bench -- classify           CLASSIFY_DURATION_S=15, CLASSIFY_ROUNDS=3 by default
 */
import * as tf from '@tensorflow/tfjs';
import { Classifier } from '../server/src/ml/classifier.js';
import { loadModelFromArtifacts, readArtifactsDir } from '../server/src/ml/artifacts.js';
import { CLASSIFY } from '../test/helpers/drawings.js';
import { asPointerSamples, jitterStrokes, STROKE_TEMPLATES } from '../test/helpers/handwriting-strokes.js';
import { simplifyStrokes } from '../server/src/ml/preprocess/index.js';
import { Rng } from '../server/src/ml/rng.js';
import { formatLoadReport, runClassifyLoad } from '../test/helpers/load.js';

const durationS = Number(process.env.CLASSIFY_DURATION_S ?? 15);
if (!Number.isInteger(durationS) || durationS < 1) throw new Error(`CLASSIFY_DURATION_S must be a positive integer, got ${process.env.CLASSIFY_DURATION_S}`);
const modelDir = process.env.DEFAULT_MODEL_DIR ?? 'data/model';
const rounds = Number(process.env.CLASSIFY_ROUNDS ?? 3);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`CLASSIFY_ROUNDS must be a positive integer, got ${process.env.CLASSIFY_ROUNDS}`);

const image = new Float32Array(784);
for (let i = 0; i < 784; i++) image[i] = (i * 7919) % 13 === 0 ? 1 : 0;

/** Calls per second of `predict` over `seconds`, with `inFlight` calls kept pending. */
async function rate(predict: () => unknown, inFlight: number, seconds: number): Promise<number> {
  let done = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      await predict();
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done / ((performance.now() - start) / 1000);
}

const { artifacts } = await readArtifactsDir(modelDir);
const classifier = await Classifier.fromArtifacts(artifacts);
const model = await loadModelFromArtifacts(artifacts);
const classifierPredict = () => classifier.predict(image);
const modelPredict = () => tf.tidy(() => (model.predict(tf.tensor4d(image, [1, 28, 28, 1])) as tf.Tensor).dataSync());
console.log(`server's inference engine: ${JSON.stringify(classifier.engine)}`);
await rate(classifierPredict, 1, 1); // warm-up
await rate(modelPredict, 1, 1);
const batched = await rate(classifierPredict, 32, 5);
console.log(`in-process Classifier.predict (${tf.getBackend()}), 32 calls in flight (micro-batched): ${batched.toFixed(0)}/s`);

/** Both single-call rates, each over `seconds`. */
const singleRates = async (seconds: number) => ({ model: await rate(modelPredict, 1, seconds), classifier: await rate(classifierPredict, 1, seconds) });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const query = { draw: undefined, every: CLASSIFY };
const httpRun = async (connections: number, what: string, text: string | undefined, input?: unknown) => {
  const report = await runClassifyLoad({ connections, durationS, query: text, input, env: { DEFAULT_MODEL_DIR: modelDir } });
  console.log(`\nHTTP classify, ${connections} client(s), ${what}:`);
  console.log(formatLoadReport(report));
  return report;
};

// This VM's speed drifts by tens of percent within minutes, so each HTTP run
// at 32 clients is bracketed by the in-process rate measured just before and
// just after it, and the ratio is taken against their mean; the rounds'
// median is the figure.
const ratios: number[] = [];
const engineRatios: number[] = [];
const percent = (r: number) => `${(100 * r).toFixed(0)}%`;
for (let round = 1; round <= rounds; round++) {
  const before = await singleRates(3);
  const report = await httpRun(32, `the Draw page's fields, round ${round} of ${rounds}`, query.draw);
  const after = await singleRates(3);
  const single = { model: (before.model + after.model) / 2, classifier: (before.classifier + after.classifier) / 2 };
  ratios.push(report.throughput / single.model);
  engineRatios.push(report.throughput / single.classifier);
  console.log(`in-process single-call model.predict around it: ${before.model.toFixed(0)}/s before, ${after.model.toFixed(0)}/s after (${(1000 / single.model).toFixed(2)} ms each)`);
  console.log(`in-process single-call Classifier.predict around it: ${before.classifier.toFixed(0)}/s before, ${after.classifier.toFixed(0)}/s after (${(1000 / single.classifier).toFixed(2)} ms each)`);
  console.log(`ratio to model.predict: ${percent(ratios.at(-1)!)}; to Classifier.predict: ${percent(engineRatios.at(-1)!)}`);
}
console.log(`\nratio at 32 clients to the single-call model.predict rate, median of ${rounds} round(s): ${percent(median(ratios))} (rounds: ${ratios.map(percent).join(', ')})`);
console.log(`ratio at 32 clients to the single-call Classifier.predict rate, median of ${rounds} round(s): ${percent(median(engineRatios))} (rounds: ${engineRatios.map(percent).join(', ')})`);

await httpRun(1, "the Draw page's fields", query.draw);
const every = await httpRun(32, 'every field, pixels included', query.every);
const single = await singleRates(3);
console.log(`ratio to the single-call rates measured after it (model.predict ${single.model.toFixed(0)}/s, Classifier.predict ${single.classifier.toFixed(0)}/s): ${percent(every.throughput / single.model)}, ${percent(every.throughput / single.classifier)}`);

// A "2" written at drawing speed and sampled as a pointer reports it.
const rng = new Rng(2);
const written = jitterStrokes(Object.values(STROKE_TEMPLATES[2]!)[0]!, rng);
const sampled = written.strokes.map((stroke) => asPointerSamples(stroke, rng));
const asInput = (strokes: typeof sampled) => ({ ...written, strokes: strokes.map((points) => ({ points })) });
const count = (strokes: typeof sampled) => strokes.reduce((sum, stroke) => sum + stroke.length, 0);
const simplified = simplifyStrokes(sampled);
const raw = await httpRun(32, `a pointer-sampled digit sent raw (${count(sampled)} points)`, query.draw, asInput(sampled));
const sent = await httpRun(32, `the same digit as the Draw page sends it (${count(simplified)} points)`, query.draw, asInput(simplified));
console.log(`simplified against raw: ${(sent.throughput / raw.throughput).toFixed(2)}x the requests per second`);
classifier.dispose();
model.dispose();
