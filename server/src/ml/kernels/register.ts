import {
  _FusedMatMul,
  BatchMatMul,
  FusedBatchNorm,
  getKernel,
  Mean,
  registerKernel,
  Sum,
  unregisterKernel,
  type KernelConfig,
} from '@tensorflow/tfjs';
// Evaluated first so the backend's own registrations cannot overwrite ours later.
import '@tensorflow/tfjs-backend-wasm';
import { wrapBatchNorm } from './batch-norm.js';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { wrapMatMulTransposes } from './matmul-transposes.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { wrapLeadingAxesReduction } from './reduce-leading-axes.js';
import { tileConfig } from './tile.js';

/** Kernels that replace (or supply) the wasm backend's outright. */
const replacements: readonly KernelConfig[] = [conv2dBackpropFilterConfig, conv2dBackpropInputConfig, maxPoolGradConfig, tileConfig];

/** Kernels that take a fast path and otherwise call the backend's own kernel. */
const wrappers: readonly { kernelName: string; wrap: (native: KernelConfig) => KernelConfig }[] = [
  { kernelName: BatchMatMul, wrap: wrapMatMulTransposes },
  { kernelName: _FusedMatMul, wrap: wrapMatMulTransposes },
  { kernelName: Sum, wrap: (native) => wrapLeadingAxesReduction(native, false) },
  { kernelName: Mean, wrap: (native) => wrapLeadingAxesReduction(native, true) },
  { kernelName: FusedBatchNorm, wrap: wrapBatchNorm },
];

/** Wrapper configs by kernel name, built once around the backend's own kernel. */
const wrapped = new Map<string, KernelConfig>();

/**
 * Registers the project's wasm kernels, replacing or wrapping the wasm
 * backend's own. Safe to call more than once.
 *
 * @returns the kernel names registered
 */
export function registerProjectWasmKernels(): string[] {
  const configs = [...replacements];
  for (const { kernelName, wrap } of wrappers) {
    let config = wrapped.get(kernelName);
    if (config === undefined) {
      const native = getKernel(kernelName, 'wasm');
      if (native === undefined) throw new Error(`the wasm backend registered no ${kernelName} kernel to wrap`);
      config = wrap(native);
      wrapped.set(kernelName, config);
    }
    configs.push(config);
  }
  for (const config of configs) {
    const existing = getKernel(config.kernelName, config.backendName);
    if (existing === config) continue;
    // registerKernel warns on a duplicate name; the replacement is intended.
    if (existing !== undefined) unregisterKernel(config.kernelName, config.backendName);
    registerKernel(config);
  }
  return configs.map((c) => c.kernelName);
}
