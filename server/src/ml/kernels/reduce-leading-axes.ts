import {
  AvgPool,
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
 * moments and every bias gradient do — skips the backend's transpose.
 *
 * The backend reduces only innermost axes, so it first transposes the whole
 * activation (5 ms for `[64, 28, 28, 32]`). Here XNNPACK's average pooling
 * averages the inner leading axes in place (a `[n, h·w, 1, c]` view pooled
 * over `h·w`, 0.5 ms) and the last `n × c` rows are summed in float64.
 * A matMul with a ones vector would be as fast only if XNNPACK did not
 * repack its (fresh, activation-sized) right operand on every call. Other
 * reductions go to the native kernel.
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
    const outer = x.shape[0]!;
    const inner = rows / outer;
    const kept = x.shape.slice(axes.length);
    const outShape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept;
    return withWasmScratch(backend, (s) => {
      // `[outer, cols]` rows, each the mean over `inner` of the original.
      const pooled =
        inner === 1
          ? x
          : s.run(
              AvgPool,
              { x: s.run(Reshape, { x }, { shape: [outer, inner, 1, cols] }) },
              { filterSize: [inner, 1], strides: [1, 1], pad: 'valid' },
            );
      const out = s.adopt(wasm.makeOutput(outShape, 'float32'));
      // Views after makeOutput: allocation may grow the heap and detach older views.
      const src = wasm.typedArrayFromHeap(pooled) as Float32Array;
      const dst = wasm.typedArrayFromHeap(out) as Float32Array;
      const total = new Float64Array(cols);
      for (let r = 0, i = 0; r < outer; r++) {
        for (let c = 0; c < cols; c++, i++) total[c] += src[i]!;
      }
      const scale = mean ? 1 / outer : inner;
      for (let c = 0; c < cols; c++) dst[c] = total[c]! * scale;
      return out;
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
