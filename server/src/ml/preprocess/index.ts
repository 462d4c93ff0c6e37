export { PreprocessError, type PreprocessErrorCode } from './errors.js';
export { COM_TARGET, FIT_BOX, MNIST_PIXELS, MNIST_SIDE } from './frame.js';
export { MAX_CANVAS_SIDE, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_POINTS, MAX_STROKES } from './limits.js';
export { preprocessPixels, MIN_INK_MASS } from './pixels.js';
export { preprocessRgba } from './image.js';
export { simplifyStrokes, SIMPLIFY_TOLERANCE } from './simplify.js';
export {
  preprocessStrokes,
  strokeThickness,
  MNIST_PEN_MAX,
  MNIST_PEN_MEDIAN,
  MNIST_PEN_MIN,
  type Point,
  type StrokeCanvas,
} from './strokes.js';
