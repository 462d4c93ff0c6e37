import { backend_util, type Conv2DBackpropFilterAttrs } from '@tensorflow/tfjs';

/** The parts of a conv2d's geometry both gradient kernels need, in NHWC. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  /** Zero rows/columns added before the input by the forward conv (`same` or explicit padding). */
  padTop: number;
  padLeft: number;
}

type GeometryAttrs = Pick<Conv2DBackpropFilterAttrs, 'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode'>;

/**
 * Recomputes the forward conv2d's geometry from its input shape `[n, h, w, cIn]`
 * and filter shape `[kh, kw, cIn, cOut]` exactly as tfjs does, so `same`,
 * `valid` and numeric/explicit padding agree with the reference backends.
 *
 * Throws for NCHW: tfjs-layers always hands NHWC to the backend and the wasm
 * Conv2D kernel these gradients are built from only supports NHWC.
 */
export function convGeometry(
  kernelName: string,
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: GeometryAttrs,
): ConvGeometry {
  if (attrs.dataFormat === 'NCHW') {
    throw new Error(`the project's wasm ${kernelName} kernel supports dataFormat 'NHWC' only, got 'NCHW'`);
  }
  const info = backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** `'valid'` when nothing is padded, else the explicit NHWC padding the Conv2D kernel accepts. */
export function padding(
  top: number,
  bottom: number,
  left: number,
  right: number,
): 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return 'valid';
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}
