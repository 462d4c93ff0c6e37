/**
 * The MNIST frame: a 28 × 28 image, the digit scaled to fit a 20 × 20 box
 * (aspect ratio kept) and shifted so that its ink's centre of mass lands on
 * the frame's centre.
 *
 * Coordinates: internally pixel `(col, row)` covers `[col, col + 1) ×
 * [row, row + 1)`, so its centre is at `(col + 0.5, row + 0.5)`. The public
 * convention is the usual pixel-index one, where pixel `(col, row)`'s centre
 * is at `(col, row)` and the centre of mass is `Σ v·col / Σ v`: in it MNIST
 * puts the centre of mass at (14, 14) — measured over the 10,000 test digits
 * the mean is (14.01, 13.99), each digit within ±0.5 because MNIST shifted by
 * whole pixels. That is half a pixel right of and below the geometric centre
 * (13.5, 13.5), and it is what the classifier was trained on, so we aim there
 * too (with a sub-pixel shift, so ±0 rather than ±0.5 where the box allows).
 */

/** Side of the output image, in pixels. */
export const MNIST_SIDE = 28;
/** Pixels in the output image (28 × 28, row-major). */
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
/** The digit's ink is scaled so its longer side spans this many pixels. */
export const FIT_BOX = 20;
/** Target centre of mass, in pixel-index coordinates (pixel centres at integers). */
export const COM_TARGET = 14;
/** The same target in the internal pixel-edge coordinates. */
export const COM_TARGET_EDGE = COM_TARGET + 0.5;

export interface CentreOfMass {
  /** Pixel-edge coordinates (pixel `i` centred at `i + 0.5`). */
  x: number;
  y: number;
  /** Sum of the pixel values. */
  mass: number;
}

/** Centre of mass of a 28 × 28 image in pixel-edge coordinates; `mass` 0 means blank. */
export function centreOfMass(image: Float32Array): CentreOfMass {
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let row = 0; row < MNIST_SIDE; row++) {
    let rowMass = 0;
    for (let col = 0; col < MNIST_SIDE; col++) {
      const v = image[row * MNIST_SIDE + col]!;
      rowMass += v;
      mx += v * (col + 0.5);
    }
    mass += rowMass;
    my += rowMass * (row + 0.5);
  }
  return mass > 0 ? { x: mx / mass, y: my / mass, mass } : { x: COM_TARGET_EDGE, y: COM_TARGET_EDGE, mass: 0 };
}

/**
 * Adjusts the leading edge `edge` of an ink span `extent` pixels long (both
 * in output pixels, pixel-edge coordinates) by the smallest amount that keeps
 * the span inside `FIT_BOX` whole pixels. An area-averaged span of exactly 20
 * pixels touches 21 pixels unless it starts on a pixel boundary, so on the
 * digit's longer side this costs up to half a pixel of centring — the same
 * trade MNIST made by shifting whole pixels.
 */
export function fitSpan(edge: number, extent: number): number {
  const span = Math.min(extent, FIT_BOX);
  const start = Math.floor(edge);
  if (Math.ceil(edge + span - 1e-9) - start <= FIT_BOX) return edge;
  const lastFit = start + FIT_BOX - span;
  return edge - lastFit <= start + 1 - edge ? lastFit : start + 1;
}
