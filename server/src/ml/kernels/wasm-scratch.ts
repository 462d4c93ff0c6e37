import {
  getKernel,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs';

/**
 * Runs wasm kernels directly from inside another kernel and frees every
 * intermediate it produced.
 *
 * A kernelFunc runs below the engine: tensors made there are invisible to
 * `tf.tidy` and `tf.memory()`, so going through the ops API would record
 * intermediates on the gradient tape and leak them. Calling the registered
 * wasm kernelFuncs returns raw `TensorInfo`s whose heap memory this scope
 * releases with `backend.disposeData` (refcounted, so reshapes that share a
 * buffer are safe).
 */
export class WasmScratch {
  private readonly owned: TensorInfo[] = [];

  constructor(readonly backend: KernelBackend) {}

  /** Runs the wasm kernel `kernelName`; the result is freed by {@link dispose} unless {@link keep}-ed. */
  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = getKernel(kernelName, 'wasm');
    if (kernel === undefined) {
      throw new Error(
        `the wasm kernel '${kernelName}' is not registered; import '@tensorflow/tfjs-backend-wasm' before running project kernels`,
      );
    }
    const out = kernel.kernelFunc({ inputs, attrs, backend: this.backend });
    if (Array.isArray(out)) {
      // None of the kernels used here return several outputs; free them all rather than guess.
      for (const info of out) this.backend.disposeData(info.dataId);
      throw new Error(`the wasm kernel '${kernelName}' returned ${out.length} outputs, expected one`);
    }
    this.owned.push(out);
    return out;
  }

  /** Takes ownership of `info`, made outside {@link run} (by `backend.makeOutput` or a captured kernel). */
  adopt(info: TensorInfo): TensorInfo {
    this.owned.push(info);
    return info;
  }

  /** Hands `info` to the caller: {@link dispose} will no longer free it. */
  keep(info: TensorInfo): TensorInfo {
    const i = this.owned.lastIndexOf(info);
    if (i === -1) throw new Error('keep() expects a TensorInfo produced by this scratch scope');
    this.owned.splice(i, 1);
    return info;
  }

  /** Frees every intermediate not kept. */
  dispose(): void {
    for (const info of this.owned.splice(0)) this.backend.disposeData(info.dataId);
  }
}

/**
 * Runs `body` with a fresh {@link WasmScratch} and returns its result as an
 * owned output, freeing all other intermediates even when `body` throws.
 */
export function withWasmScratch(
  backend: KernelBackend,
  body: (scratch: WasmScratch) => TensorInfo,
): TensorInfo {
  const scratch = new WasmScratch(backend);
  try {
    return scratch.keep(body(scratch));
  } finally {
    scratch.dispose();
  }
}
