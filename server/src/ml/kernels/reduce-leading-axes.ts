import {
  BatchMatMul,
  Reshape,
  util,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withWasmScratch } from './wasm-scratch.js';

/**
 * Wraps the wasm Sum or Mean kernel so that reducing leading axes of a
 * float32 tensor — `[0, 1, 2]` of an NHWC activation, as BatchNormalization's
 * moments and every bias gradient do — becomes one matrix product
 * `ones[1, p] · x[p, q]` (or `(1/p)·ones` for Mean).
 *
 * The backend reduces only innermost axes, so it first transposes the whole
 * activation; the product reads it once, in place (2.7 → 0.35 ms for
 * `[64, 28, 28, 32]`). Other reductions go to the native kernel.
 *
 * @param native the backend's own Sum or Mean kernel
 * @param mean whether this is Mean (else Sum)
 */
export function wrapLeadingAxesReduction(native: KernelConfig, mean: boolean): KernelConfig {
  const kernelFunc = (args: {
    inputs: { x: TensorInfo };
    backend: KernelBackend;
    attrs: { axis: number | number[]; keepDims: boolean };
  }) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const rank = x.shape.length;
    const axes = [...new Set(util.parseAxisParam(attrs.axis, x.shape))].sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
    const cols = util.sizeFromShape(x.shape.slice(axes.length));
    if (x.dtype !== 'float32' || !leading || rows === 0 || cols === 0) return native.kernelFunc(args);
    const wasm = backend as unknown as BackendWasm;
    return withWasmScratch(backend, (s) => {
      const weights = s.adopt(wasm.makeOutput([1, 1, rows], 'float32'));
      (wasm.typedArrayFromHeap(weights) as Float32Array).fill(mean ? 1 / rows : 1);
      const x3 = s.run(Reshape, { x }, { shape: [1, rows, cols] });
      const product = s.run(BatchMatMul, { a: weights, b: x3 }, { transposeA: false, transposeB: false });
      const kept = x.shape.slice(axes.length);
      const outShape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept;
      return s.run(Reshape, { x: product }, { shape: outShape });
    });
  };
  return {
    kernelName: native.kernelName,
    backendName: native.backendName,
    // The native kernel binds its wasm function when the backend starts.
    setupFunc: native.setupFunc,
    disposeFunc: native.disposeFunc,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
