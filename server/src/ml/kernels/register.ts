import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';

/** The project's wasm kernels, in registration order. */
export const projectWasmKernels: readonly KernelConfig[] = [conv2dBackpropFilterConfig, conv2dBackpropInputConfig];

/**
 * Registers the project's wasm kernels, replacing any the wasm backend ships
 * under the same name. Safe to call more than once.
 *
 * Must run after `@tensorflow/tfjs-backend-wasm` has been imported (its own
 * registrations would otherwise overwrite these).
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
