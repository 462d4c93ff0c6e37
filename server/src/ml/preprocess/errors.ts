/**
 * The one error type preprocessing throws. Its `code` is the stable
 * `extensions.code` the API layer puts on the GraphQLError it builds from it,
 * and its message is written for the person who sent the input.
 */

/**
 * - `EMPTY_DRAWING`: the input is well-formed but holds no digit (no points,
 *   a single dot, a flat image, ink below a small threshold).
 * - `BAD_USER_INPUT`: the input is malformed (NaN coordinates, wrong pixel
 *   count, a canvas side out of range, too many points, an unreadable image).
 * - `PAYLOAD_TOO_LARGE`: only from `decodeDataUrl`: the encoded image or its
 *   dimensions exceed the configured limits.
 */
export type PreprocessErrorCode = 'EMPTY_DRAWING' | 'BAD_USER_INPUT' | 'PAYLOAD_TOO_LARGE';

export class PreprocessError extends Error {
  override name = 'PreprocessError';
  readonly code: PreprocessErrorCode;

  constructor(code: PreprocessErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export const badInput = (message: string): PreprocessError => new PreprocessError('BAD_USER_INPUT', message);
export const emptyDrawing = (message: string): PreprocessError => new PreprocessError('EMPTY_DRAWING', message);

/** A short, safe rendering of an arbitrary value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return value.length > 20 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}
