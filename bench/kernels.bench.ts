/**
 * Conv2d gradient kernels on wasm: the project's kernels against the naive
 * alternatives, per batch-64 layer, and one training step of a small CNN.
 *
 * Run: `npm run bench kernels` (or `node server/dist/bench/kernels.bench.js`
 * after `npm run build`). Single-threaded wasm: run it on an idle machine.
 */
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../server/src/ml/backend.js';

/** One benchmarked conv2d layer, NHWC with a square kernel. */
interface LayerCase {
  name: string;
  batch: number;
  size: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  pad: 'same' | 'valid';
}

/** Milliseconds per call of each way of computing one layer's gradients. */
export interface LayerTiming {
  layer: string;
  forwardMs: number;
  filterGradMs: number;
  filterGradIm2colMs: number;
  inputGradMs: number;
  inputGradNativeMs: number;
}

export interface TrainStepTiming {
  model: string;
  batch: number;
  stepMs: number;
  samplesPerSecond: number;
}

const LAYERS: readonly LayerCase[] = [
  { name: '28×28 32→32 3×3 s1 same', batch: 64, size: 28, inChannels: 32, outChannels: 32, kernel: 3, stride: 1, pad: 'same' },
  { name: '14×14 32→64 3×3 s1 same', batch: 64, size: 14, inChannels: 32, outChannels: 64, kernel: 3, stride: 1, pad: 'same' },
  { name: '14×14 64→64 3×3 s1 same', batch: 64, size: 14, inChannels: 64, outChannels: 64, kernel: 3, stride: 1, pad: 'same' },
  { name: '28×28 32→64 3×3 s2 same', batch: 64, size: 28, inChannels: 32, outChannels: 64, kernel: 3, stride: 2, pad: 'same' },
  { name: '28×28 1→32 5×5 s1 valid', batch: 64, size: 28, inChannels: 1, outChannels: 32, kernel: 5, stride: 1, pad: 'valid' },
];

/**
 * Median CPU time (user + system, ms) of `reps` calls of `run`, after one
 * warm-up; `run` must leave no tensor behind. CPU rather than wall time
 * because wasm runs on one thread here and the 2-core machine is shared:
 * it equals wall time on an idle machine and is unaffected by other load.
 */
function medianMs(run: () => void, reps: number): number {
  run();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Runs a kernel config outside the engine and frees its output; wasm kernels are synchronous. */
function runRaw(config: tf.KernelConfig, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): void {
  const backend = tf.backend();
  const out = config.kernelFunc({ inputs, attrs, backend });
  for (const info of Array.isArray(out) ? out : [out]) backend.disposeData(info.dataId);
}

/**
 * The textbook filter gradient: im2col patches `[n·oH·oW, kh·kw·cIn]` from
 * strided slices concatenated on the channel axis, then `patchesᵀ · dy`.
 */
function filterGradIm2col(x: tf.Tensor4D, dy: tf.Tensor4D, l: LayerCase): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, oH, oW] = dy.shape;
    const padTotal = Math.max((oH - 1) * l.stride + l.kernel - l.size, 0);
    const before = l.pad === 'same' ? Math.floor(padTotal / 2) : 0;
    const after = l.pad === 'same' ? padTotal - before : 0;
    const xp = tf.pad(x, [[0, 0], [before, after], [before, after], [0, 0]]);
    const taps: tf.Tensor4D[] = [];
    for (let a = 0; a < l.kernel; a++) {
      for (let b = 0; b < l.kernel; b++) {
        const end = [n, a + (oH - 1) * l.stride + 1, b + (oW - 1) * l.stride + 1, l.inChannels];
        taps.push(tf.stridedSlice(xp, [0, a, b, 0], end, [1, l.stride, l.stride, 1]) as tf.Tensor4D);
      }
    }
    const patches = tf.concat(taps, 3).reshape([n * oH * oW, l.kernel * l.kernel * l.inChannels]);
    const dw = tf.matMul(patches, dy.reshape([n * oH * oW, l.outChannels]), true, false);
    return dw.reshape([l.kernel, l.kernel, l.inChannels, l.outChannels]);
  });
}

/**
 * Times forward conv, filter gradient (project kernel vs im2col + matMul) and
 * input gradient (project kernel vs the wasm backend's own kernel) per layer.
 */
export function benchLayers(nativeInputGrad: tf.KernelConfig, reps = 5): LayerTiming[] {
  const filterGrad = tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')!;
  const inputGrad = tf.getKernel(tf.Conv2DBackpropInput, 'wasm')!;
  return LAYERS.map((l) =>
    tf.tidy(() => {
      const x = tf.randomNormal([l.batch, l.size, l.size, l.inChannels]) as tf.Tensor4D;
      const w = tf.randomNormal([l.kernel, l.kernel, l.inChannels, l.outChannels]) as tf.Tensor4D;
      const dy = tf.randomNormal(tf.conv2d(x, w, l.stride, l.pad).shape) as tf.Tensor4D;
      const common = { strides: l.stride, pad: l.pad, dataFormat: 'NHWC' };
      const filterAttrs = { ...common, filterShape: w.shape } as tf.NamedAttrMap;
      const inputAttrs = { ...common, inputShape: x.shape } as tf.NamedAttrMap;
      return {
        layer: l.name,
        forwardMs: medianMs(() => tf.conv2d(x, w, l.stride, l.pad).dispose(), reps),
        filterGradMs: medianMs(() => runRaw(filterGrad, { x, dy }, filterAttrs), reps),
        filterGradIm2colMs: medianMs(() => filterGradIm2col(x, dy, l).dispose(), Math.min(reps, 3)),
        inputGradMs: medianMs(() => runRaw(inputGrad, { dy, filter: w }, inputAttrs), reps),
        inputGradNativeMs: medianMs(() => runRaw(nativeInputGrad, { dy, filter: w }, inputAttrs), Math.min(reps, 3)),
      };
    }),
  );
}

/**
 * One Adam step (forward, softmax cross-entropy, backward, update) of
 * conv3×3-32, conv3×3-32, pool, conv3×3-64, conv3×3-64, pool, dense 10 on a
 * batch of 28×28×1 images; with `batchNorm`, each conv is followed by
 * BatchNormalization before its ReLU and the dense layer by dropout 0.25.
 */
export function benchTrainStep(batchNorm: boolean, batch = 64, reps = 5): TrainStepTiming {
  const layers: tf.layers.Layer[] = [];
  const conv = (filters: number) => {
    layers.push(
      tf.layers.conv2d({
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: !batchNorm,
        activation: batchNorm ? 'linear' : 'relu',
        ...(layers.length === 0 ? { inputShape: [28, 28, 1] } : {}),
      }),
    );
    if (batchNorm) layers.push(tf.layers.batchNormalization(), tf.layers.reLU());
  };
  conv(32);
  conv(32);
  layers.push(tf.layers.maxPooling2d({ poolSize: 2 }));
  conv(64);
  conv(64);
  layers.push(tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten());
  if (batchNorm) layers.push(tf.layers.dropout({ rate: 0.25 }));
  layers.push(tf.layers.dense({ units: 10 }));
  const model = tf.sequential({ layers });
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10).toFloat());
  const step = () =>
    tf.tidy(() => {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor), false);
    });
  const stepMs = medianMs(step, reps);
  tf.dispose([x, labels]);
  optimizer.dispose();
  model.dispose();
  const name = batchNorm ? '(conv-BN-relu)×2-pool-(conv-BN-relu)×2-pool-dropout-dense10' : 'conv32-conv32-pool-conv64-conv64-pool-dense10';
  return { model: name, batch, stepMs, samplesPerSecond: (batch * 1000) / stepMs };
}

async function main(): Promise<void> {
  // Captured before initBackend swaps in the project kernel.
  const nativeInputGrad = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
  if (nativeInputGrad === undefined) throw new Error('the wasm backend registered no Conv2DBackpropInput kernel');
  const backend = await initBackend({ backend: 'wasm', log: (m) => console.log(m) });
  // The engine only sets up kernels registered when the backend starts; the
  // replaced native kernel was not, so its wasm function must be bound here.
  nativeInputGrad.setupFunc?.(tf.backend());
  console.log(`backend ${backend}; CPU ms per call, median of 5 (3 for the slow baselines), batch 64\n`);
  const fmt = (ms: number) => ms.toFixed(1).padStart(8);
  console.log(`${'layer'.padEnd(26)}${'fwd'.padStart(8)}${'dW'.padStart(8)}${'dW i2c'.padStart(8)}${'dX'.padStart(8)}${'dX wasm'.padStart(8)}`);
  for (const t of benchLayers(nativeInputGrad)) {
    console.log(
      `${t.layer.padEnd(26)}${fmt(t.forwardMs)}${fmt(t.filterGradMs)}${fmt(t.filterGradIm2colMs)}${fmt(t.inputGradMs)}${fmt(t.inputGradNativeMs)}`,
    );
  }
  console.log('\ndW i2c = im2col (strided slices + concat) and matMul(patchesᵀ, dy); dX wasm = the backend\'s own kernel');
  console.log('\ntraining step (forward + backward + Adam), CPU ms, median of 5:');
  for (const batchNorm of [false, true]) {
    const step = benchTrainStep(batchNorm);
    console.log(`  ${step.model}, batch ${step.batch}: ${step.stepMs.toFixed(1)} ms, ${step.samplesPerSecond.toFixed(0)} samples/s`);
  }
  const leaked = tf.memory().numTensors;
  if (leaked !== 0) throw new Error(`the benchmark left ${leaked} tensors behind`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
