/**
 * Training and inference speed of the default recipe on this machine:
 *
 * - training throughput (samples/s) of the default recipe, on one thread and
 *   data parallel on every core (`threads`, TRAIN_BENCH_THREADS overrides);
 * - seconds until the default recipe, on every core, first scores ≥ 99.0% on
 *   the MNIST test set, scoring every quarter epoch — training time alone and
 *   wall time including the scoring;
 * - in-process `Classifier.predict` rate: one call at a time, 32 concurrent
 *   callers (micro-batched), and `predictBatch`.
 *
 * Run: `npm run bench training` (or `node server/dist/bench/training.bench.js`
 * after `npm run build`); `--skip-time-to-99` for the quick figures only.
 * Single-threaded wasm: run it on an otherwise idle machine.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exportArtifacts, readArtifactsDir } from '../server/src/ml/artifacts.js';
import { initBackend } from '../server/src/ml/backend.js';
import { Classifier } from '../server/src/ml/classifier.js';
import { loadMnist, PIXELS } from '../server/src/ml/mnist.js';
import { createModel } from '../server/src/ml/model.js';
import { DEFAULT_TRAIN_OPTIONS, train } from '../server/src/ml/train.js';

export interface TrainingBenchResult {
  backend: string;
  /** Threads of the data-parallel runs (the time to 99%). */
  threads: number;
  /** Default recipe, training steps only, after the first 10 warm-up batches: on one thread, and on `threads`. */
  trainSamplesPerSec: { oneThread: number; threads: number };
  timeTo99: {
    reached: boolean;
    /** Training time until the first quarter-epoch score ≥ 99.0%. */
    trainSeconds: number | null;
    /** Wall time from the start of `train()` (data loading, model building and every scoring included). */
    wallSeconds: number | null;
    epochs: number | null;
    testAccuracy: number | null;
    /** Training throughput over the whole run (a steadier figure than `trainSamplesPerSec`). */
    samplesPerSec: number | null;
    /** Every scoring: [epochs done, train seconds, wall seconds, test accuracy]. */
    curve: Array<[number, number, number, number]>;
  } | null;
  predict: {
    model: string;
    /** Sequential `await predict()` of one image. */
    singleP50Ms: number;
    singlePerSec: number;
    /** 32 callers each awaiting its own predictions. */
    concurrent32PerSec: number;
    /** `predictBatch` of 10,000 images. */
    batchPerSec: number;
  };
}

const MODEL_DIR = fileURLToPath(new URL('../../../data/model/', import.meta.url));

async function measureThroughput(threads: number): Promise<number> {
  const controller = new AbortController();
  let samples = 0;
  let start = 0;
  const warmup = 10;
  const measured = 60;
  try {
    const r = await train({ ...DEFAULT_TRAIN_OPTIONS, threads }, {
      onBatch: (b) => {
        if (b.batch === warmup - 1) start = performance.now();
        else if (b.batch >= warmup) samples += DEFAULT_TRAIN_OPTIONS.batchSize;
        if (b.batch === warmup + measured - 1) controller.abort();
      },
    }, controller.signal);
    r.model.dispose();
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
  return (samples / (performance.now() - start)) * 1000;
}

async function measureTimeTo99(threads: number, maxEpochs = 4): Promise<NonNullable<TrainingBenchResult['timeTo99']>> {
  const controller = new AbortController();
  const batches = Math.ceil(DEFAULT_TRAIN_OPTIONS.mnistLimit / DEFAULT_TRAIN_OPTIONS.batchSize);
  const curve: Array<[number, number, number, number]> = [];
  let hit: { trainSeconds: number; wallSeconds: number; epochs: number; testAccuracy: number } | undefined;
  let samplesPerSec: number | null = null;
  try {
    const r = await train(
      { ...DEFAULT_TRAIN_OPTIONS, threads, testEvalEveryBatches: Math.ceil(batches / 4) },
      {
        onTestEval: (e) => {
          const epochs = e.epoch - 1 + e.batch / batches;
          samplesPerSec = e.samplesSeen / e.trainSeconds;
          curve.push([+epochs.toFixed(2), +e.trainSeconds.toFixed(1), +e.wallSeconds.toFixed(1), e.testAccuracy]);
          console.log(`  ${epochs.toFixed(2)} epochs: test ${(100 * e.testAccuracy).toFixed(2)}% after ${e.trainSeconds.toFixed(1)} s training, ${e.wallSeconds.toFixed(1)} s wall`);
          if (!hit && e.testAccuracy >= 0.99) {
            hit = { trainSeconds: e.trainSeconds, wallSeconds: e.wallSeconds, epochs, testAccuracy: e.testAccuracy };
            controller.abort();
          } else if (epochs >= maxEpochs) controller.abort();
        },
      },
      controller.signal,
    );
    r.model.dispose();
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
  return {
    reached: hit !== undefined,
    trainSeconds: hit?.trainSeconds ?? null,
    wallSeconds: hit?.wallSeconds ?? null,
    epochs: hit?.epochs ?? null,
    testAccuracy: hit?.testAccuracy ?? null,
    samplesPerSec,
    curve,
  };
}

async function measurePredict(): Promise<TrainingBenchResult['predict']> {
  let classifier: Classifier;
  let model: string;
  if (existsSync(MODEL_DIR)) {
    classifier = await Classifier.fromArtifacts((await readArtifactsDir(MODEL_DIR)).artifacts);
    model = 'data/model (committed default)';
  } else {
    const fresh = createModel();
    classifier = await Classifier.fromArtifacts(await exportArtifacts(fresh));
    fresh.dispose();
    model = 'untrained default architecture (data/model missing)';
  }
  try {
    const test = loadMnist('test');
    const image = (i: number) => test.images.subarray((i % test.count) * PIXELS, ((i % test.count) + 1) * PIXELS);
    for (let i = 0; i < 50; i++) await classifier.predict(image(i));
    const times: number[] = [];
    const singleStart = performance.now();
    for (let i = 0; i < 1000; i++) {
      const t = performance.now();
      await classifier.predict(image(i));
      times.push(performance.now() - t);
    }
    const singlePerSec = (1000 / (performance.now() - singleStart)) * 1000;
    times.sort((a, b) => a - b);

    const perCaller = 100;
    const concurrentStart = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async (_, c) => {
        for (let i = 0; i < perCaller; i++) await classifier.predict(image(c * perCaller + i));
      }),
    );
    const concurrent32PerSec = ((32 * perCaller) / (performance.now() - concurrentStart)) * 1000;

    const batchStart = performance.now();
    classifier.predictBatch(test.images);
    const batchPerSec = (test.count / (performance.now() - batchStart)) * 1000;
    return { model, singleP50Ms: times[500], singlePerSec, concurrent32PerSec, batchPerSec };
  } finally {
    classifier.dispose();
  }
}

/** Runs every measurement; `skipTimeTo99` leaves out the minute-long time-to-99% run. */
export async function run(options: { skipTimeTo99?: boolean } = {}): Promise<TrainingBenchResult> {
  const backend = await initBackend();
  const threads = Number(process.env.TRAIN_BENCH_THREADS ?? availableParallelism());
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`TRAIN_BENCH_THREADS must be a positive integer, got ${process.env.TRAIN_BENCH_THREADS}`);
  const predict = await measurePredict();
  const trainSamplesPerSec = { oneThread: await measureThroughput(1), threads: await measureThroughput(threads) };
  const timeTo99 = options.skipTimeTo99 ? null : await measureTimeTo99(threads);
  return { backend, threads, trainSamplesPerSec, timeTo99, predict };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const skipTimeTo99 = process.argv.includes('--skip-time-to-99');
  run({ skipTimeTo99 })
    .then((r) => {
      const p = r.predict;
      console.log(`backend ${r.backend}`);
      const t = r.trainSamplesPerSec;
      console.log(`training, default recipe (batch ${DEFAULT_TRAIN_OPTIONS.batchSize}): ${t.oneThread.toFixed(0)} samples/s on one thread, ${t.threads.toFixed(0)} on ${r.threads}`);
      if (r.timeTo99) {
        console.log(
          r.timeTo99.reached
            ? `time to 99.0% MNIST test accuracy on ${r.threads} thread(s): ${r.timeTo99.trainSeconds!.toFixed(1)} s training, ${r.timeTo99.wallSeconds!.toFixed(1)} s wall incl. scoring (${r.timeTo99.epochs!.toFixed(2)} epochs, ${(100 * r.timeTo99.testAccuracy!).toFixed(2)}%)`
            : 'time to 99.0% MNIST test accuracy: not reached within 4 epochs',
        );
        console.log(`training throughput over that run: ${r.timeTo99.samplesPerSec?.toFixed(0)} samples/s`);
      }
      console.log(`Classifier.predict (${p.model}):`);
      console.log(`  one at a time: p50 ${p.singleP50Ms.toFixed(2)} ms, ${p.singlePerSec.toFixed(0)} images/s`);
      console.log(`  32 concurrent callers (micro-batched): ${p.concurrent32PerSec.toFixed(0)} images/s`);
      console.log(`  predictBatch of 10,000: ${p.batchPerSec.toFixed(0)} images/s`);
      console.log(JSON.stringify(r));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
