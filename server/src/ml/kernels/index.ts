export { wrapBatchNorm } from './batch-norm.js';
export { conv2dBackpropFilterWasm, conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
export { conv2dBackpropInputWasm, conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
export { wrapMatMulTransposes } from './matmul-transposes.js';
export { maxPoolGradWasm, maxPoolGradConfig } from './max-pool-grad.js';
export { wrapLeadingAxesReduction } from './reduce-leading-axes.js';
export { tileWasm, tileInto, tileConfig } from './tile.js';
export { registerProjectWasmKernels } from './register.js';
