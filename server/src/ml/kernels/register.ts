import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs';
// Evaluated first so the backend's own registrations cannot overwrite ours later.
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { tileConfig } from './tile.js';

/** The project's wasm kernels, in registration order. */
export const projectWasmKernels: readonly KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  maxPoolGradConfig,
  tileConfig,
];

/**
 * Registers the project's wasm kernels, replacing any the wasm backend ships
 * under the same name. Safe to call more than once.
 *
 * @returns the kernel names registered
 */
export function registerProjectWasmKernels(): string[] {
  for (const config of projectWasmKernels) {
    const existing = getKernel(config.kernelName, config.backendName);
    if (existing === config) continue;
    // registerKernel warns on a duplicate name; the replacement is intended.
    if (existing !== undefined) unregisterKernel(config.kernelName, config.backendName);
    registerKernel(config);
  }
  return projectWasmKernels.map((c) => c.kernelName);
}
