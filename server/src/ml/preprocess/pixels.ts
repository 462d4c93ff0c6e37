/** Already MNIST-formatted input: validated, not transformed. */
import { badInput, describe, emptyDrawing } from './errors.js';
import { MNIST_PIXELS } from './frame.js';

/**
 * Least total ink (sum of pixel values) that counts as a drawing: one fully
 * inked pixel. MNIST digits hold about 100.
 */
export const MIN_INK_MASS = 1;

/**
 * Checks 784 pixel values that are already in MNIST's format and copies them.
 *
 * @param pixels - 28 × 28 row-major, ink 1 on background 0, each in [0, 1].
 * @returns a fresh `Float32Array(784)`.
 * @throws PreprocessError `BAD_USER_INPUT` for a wrong count or a value that
 *   is not a number in [0, 1], `EMPTY_DRAWING` when the total ink is below
 *   `MIN_INK_MASS`.
 */
export function preprocessPixels(pixels: ArrayLike<number>): Float32Array {
  if (typeof pixels !== 'object' || pixels === null || typeof pixels.length !== 'number') {
    throw badInput(`expects \`pixels\` to be an array of ${MNIST_PIXELS} numbers, got ${describe(pixels)}`);
  }
  if (pixels.length !== MNIST_PIXELS) {
    throw badInput(`expects \`pixels\` to have ${MNIST_PIXELS} values (28 × 28, row-major), got ${pixels.length}`);
  }
  const out = new Float32Array(MNIST_PIXELS);
  let mass = 0;
  for (let i = 0; i < MNIST_PIXELS; i++) {
    const v: unknown = pixels[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw badInput(`expects \`pixels[${i}]\` to be a number from 0 to 1 (ink 1, background 0), got ${describe(v)}`);
    }
    out[i] = v;
    mass += v;
  }
  if (mass < MIN_INK_MASS) throw emptyDrawing('The drawing is empty: the pixels hold almost no ink.');
  return out;
}
