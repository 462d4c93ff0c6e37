/**
 * Limits on what the preprocessing accepts. They bound the work one request
 * can cause (every loop is linear in these), and the API layer quotes them in
 * its error messages and schema descriptions.
 */

/** Most strokes one drawing may have. */
export const MAX_STROKES = 500;
/** Most points one drawing may have, summed over all its strokes. */
export const MAX_POINTS = 10_000;
/** Largest canvas side (`width`, `height`, `lineWidth`), in canvas pixels. */
export const MAX_CANVAS_SIDE = 4096;
/** Largest decoded image side, in pixels. */
export const MAX_IMAGE_SIDE = 4096;
/** Most pixels a decoded image may have (4096 × 4096, enough for a 12 MP phone photo). */
export const MAX_IMAGE_PIXELS = 4096 * 4096;
