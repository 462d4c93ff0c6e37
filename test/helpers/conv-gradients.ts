import * as tf from '@tensorflow/tfjs';

/** One NHWC conv2d configuration to differentiate. */
export interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  /** Square kernel size. */
  kernel: number;
  stride: number;
  pad: 'same' | 'valid' | number;
}

/**
 * Every kernel size 1-5 × stride 1-3 × `same`/`valid`, plus numeric padding,
 * on small non-square batches whose shapes and channel counts vary with the
 * case so that odd/even remainders of `(h + pad - k) / stride` all occur.
 */
export const convCases: readonly ConvCase[] = (() => {
  const cases: ConvCase[] = [];
  let i = 0;
  for (const kernel of [1, 2, 3, 4, 5]) {
    for (const stride of [1, 2, 3]) {
      for (const pad of ['same', 'valid'] as const) {
        cases.push({
          batch: 2 + (i % 2),
          height: kernel + 3 + (i % 4),
          width: kernel + 2 + ((i * 3) % 5),
          inChannels: [1, 3, 4, 2][i % 4]!,
          outChannels: [2, 5, 1, 3, 4][i % 5]!,
          kernel,
          stride,
          pad,
        });
        i++;
      }
    }
  }
  cases.push({ batch: 2, height: 9, width: 7, inChannels: 3, outChannels: 2, kernel: 3, stride: 2, pad: 1 });
  cases.push({ batch: 2, height: 6, width: 8, inChannels: 2, outChannels: 3, kernel: 2, stride: 1, pad: 2 });
  // One input channel takes a path of its own in the filter gradient: the model's first layer, and explicit padding.
  cases.push({ batch: 3, height: 28, width: 28, inChannels: 1, outChannels: 16, kernel: 3, stride: 1, pad: 'same' });
  cases.push({ batch: 2, height: 9, width: 8, inChannels: 1, outChannels: 3, kernel: 3, stride: 2, pad: 1 });
  return cases;
})();

/** Reads as part of a sentence: "3×3 kernel, stride 2, same padding, 2×9×7×3 → 4 channels". */
export function describeCase(c: ConvCase): string {
  const pad = typeof c.pad === 'number' ? `padding ${c.pad}` : `${c.pad} padding`;
  return `${c.kernel}×${c.kernel} kernel, stride ${c.stride}, ${pad}, ${c.batch}×${c.height}×${c.width}×${c.inChannels} → ${c.outChannels} channel${c.outChannels === 1 ? '' : 's'}`;
}

/** Deterministic uniform values in [-1, 1) (mulberry32) so failures reproduce. */
export function seededValues(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/**
 * Gradients of `sum(conv2d(x, w) * r)` on `backend` — so `dy = r`, random —
 * for inputs drawn from `seed`: `dx` of shape `[n, h, w, cIn]`, `dw` of shape
 * `[k, k, cIn, cOut]`. Switches the active backend and leaves it switched.
 */
export async function convGradients(
  backend: 'cpu' | 'wasm',
  c: ConvCase,
  seed: number,
): Promise<{ dx: Float32Array; dw: Float32Array }> {
  await tf.setBackend(backend);
  const xShape: [number, number, number, number] = [c.batch, c.height, c.width, c.inChannels];
  const wShape: [number, number, number, number] = [c.kernel, c.kernel, c.inChannels, c.outChannels];
  return tf.tidy(() => {
    const x = tf.tensor4d(seededValues(xShape.reduce((a, b) => a * b), seed), xShape);
    const w = tf.tensor4d(seededValues(wShape.reduce((a, b) => a * b), seed + 1), wShape);
    const yShape = tf.conv2d(x, w, c.stride, c.pad).shape;
    const r = tf.tensor(seededValues(yShape.reduce((a, b) => a * b), seed + 2), yShape);
    const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
      tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, c.stride, c.pad).mul(r).sum(),
    )([x, w]);
    return { dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array };
  });
}

/**
 * Largest `|actual - expected|` divided by `max(1, max |expected|)`: float32
 * sums of a few hundred products agree to ~1e-6 of their scale, so a bound
 * of 1e-4 catches any misplaced tap while tolerating summation order.
 */
export function scaledMaxError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Infinity;
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst / scale;
}
