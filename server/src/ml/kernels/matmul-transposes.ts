import {
  Transpose,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { withWasmScratch } from './wasm-scratch.js';

/**
 * Wraps the wasm BatchMatMul or _FusedMatMul kernel so that a transposed
 * operand is transposed explicitly first.
 *
 * XNNPACK multiplies only untransposed operands; with `transposeA` or
 * `transposeB` the backend falls back to a naive loop, 7x slower than a
 * transpose plus the fast product (3.2 vs 0.44 ms for `[64, 576]ᵀ · [64, 128]`).
 * Every Dense layer's gradient asks for exactly these products.
 *
 * @param native the backend's own kernel, called for the product itself
 */
export function wrapMatMulTransposes(native: KernelConfig): KernelConfig {
  const kernelFunc = (args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: KernelBackend; attrs: NamedAttrMap }) => {
    const { inputs, backend, attrs } = args;
    if (!attrs.transposeA && !attrs.transposeB) return native.kernelFunc(args);
    return withWasmScratch(backend, (s) => {
      const a = attrs.transposeA ? s.run(Transpose, { x: inputs.a }, { perm: swapLastTwo(inputs.a.shape.length) }) : inputs.a;
      const b = attrs.transposeB ? s.run(Transpose, { x: inputs.b }, { perm: swapLastTwo(inputs.b.shape.length) }) : inputs.b;
      const out = native.kernelFunc({
        inputs: { ...inputs, a, b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
      if (Array.isArray(out)) throw new Error(`the wasm ${native.kernelName} kernel returned ${out.length} outputs, expected one`);
      return s.adopt(out);
    });
  };
  return {
    kernelName: native.kernelName,
    backendName: native.backendName,
    // The native kernel binds its wasm function when the backend starts; it
    // must still do so now that the engine only sees this wrapper.
    setupFunc: native.setupFunc,
    disposeFunc: native.disposeFunc,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}
