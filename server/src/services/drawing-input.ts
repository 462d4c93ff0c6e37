/**
 * From an untrusted DrawingInput to the 28x28 image the model sees: checks
 * the request against the configured limits (naming the offending field),
 * then preprocesses it. Everything thrown is a client-facing GraphQLError.
 */
import type { GraphQLError } from 'graphql';
import type { Config } from '../config.js';
import type { InputKind } from '../db/entities/prediction.entity.js';
import { apiError, badUserInput, ErrorCode, payloadTooLarge } from '../errors.js';
import { decodeDataUrl } from '../ml/image-decode.js';
import { PreprocessError, preprocessPixels, preprocessRgba, preprocessStrokes } from '../ml/preprocess/index.js';

/** The shape of DrawingInput, without depending on the GraphQL class. */
export interface Drawing {
  strokes?: ReadonlyArray<{ points: ReadonlyArray<{ x: number; y: number }> }> | null;
  width?: number | null;
  height?: number | null;
  lineWidth?: number | null;
  image?: string | null;
  pixels?: readonly number[] | null;
}

export type DrawingLimits = Pick<Config, 'maxImageBytes' | 'maxImageSide' | 'maxStrokePoints'>;

export interface ModelInput {
  /** 784 values in [0,1], row-major 28x28, ink 1 on background 0. */
  pixels: Float32Array;
  kind: InputKind;
}

/** Coordinates this far out are no pointer position, whatever the canvas. */
export const MAX_COORDINATE = 1_000_000;

const SOURCES = ['strokes', 'image', 'pixels'] as const;

/**
 * @throws GraphQLError BAD_USER_INPUT, EMPTY_DRAWING or PAYLOAD_TOO_LARGE,
 *   with `extensions.field` naming the input field when there is one
 */
export function toModelInput(drawing: Drawing, limits: DrawingLimits): ModelInput {
  const given = SOURCES.filter((name) => drawing[name] !== undefined && drawing[name] !== null);
  if (given.length !== 1) {
    const got = given.length === 0 ? 'none was given' : `got ${given.map((g) => `\`${g}\``).join(' and ')}`;
    throw badUserInput(`DrawingInput needs exactly one of \`strokes\`, \`image\` or \`pixels\`; ${got}.`, 'input');
  }
  const kind = given[0];
  try {
    if (kind === 'strokes') return { kind, pixels: fromStrokes(drawing, limits) };
    if (kind === 'image') return { kind, pixels: fromImage(drawing.image!, limits) };
    return { kind, pixels: preprocessPixels(drawing.pixels!) };
  } catch (error) {
    throw error instanceof PreprocessError ? fromPreprocessError(error, `input.${kind}`) : error;
  }
}

function fromStrokes(drawing: Drawing, limits: DrawingLimits): Float32Array {
  const strokes = drawing.strokes!;
  const { width, height, lineWidth } = drawing;
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (value === undefined || value === null) {
      throw badUserInput(`\`${name}\` is required with \`strokes\`: give the canvas size in pixels.`, `input.${name}`);
    }
    if (!Number.isInteger(value) || value < 1 || value > limits.maxImageSide) {
      throw badUserInput(
        `\`${name}\` must be an integer from 1 to ${limits.maxImageSide} canvas pixels, got ${value}.`,
        `input.${name}`,
      );
    }
  }
  if (lineWidth !== undefined && lineWidth !== null && !(lineWidth > 0 && lineWidth <= Math.max(width!, height!))) {
    throw badUserInput(
      `\`lineWidth\` must be above 0 and at most the canvas side (${Math.max(width!, height!)}), got ${lineWidth}; omit it for a default pen.`,
      'input.lineWidth',
    );
  }
  let total = 0;
  for (const stroke of strokes) total += stroke.points.length;
  if (total > limits.maxStrokePoints) {
    throw payloadTooLarge(
      `The drawing has ${total} points; at most ${limits.maxStrokePoints} are accepted. Send fewer points (e.g. drop points closer than a pixel apart).`,
      'input.strokes',
    );
  }
  strokes.forEach((stroke, s) =>
    stroke.points.forEach((point, p) => {
      for (const axis of ['x', 'y'] as const) {
        const v = point[axis];
        if (!Number.isFinite(v) || Math.abs(v) > MAX_COORDINATE) {
          throw badUserInput(
            `input.strokes[${s}].points[${p}].${axis} must be a canvas coordinate within ±${MAX_COORDINATE}, got ${v}.`,
            `input.strokes[${s}].points[${p}].${axis}`,
          );
        }
      }
    }),
  );
  return preprocessStrokes(
    strokes.map((stroke) => stroke.points),
    { width: width!, height: height!, lineWidth: lineWidth ?? undefined },
  );
}

function fromImage(image: string, limits: DrawingLimits): Float32Array {
  const { rgba, width, height } = decodeDataUrl(image, {
    maxEncodedBytes: limits.maxImageBytes,
    maxSide: limits.maxImageSide,
  });
  return preprocessRgba(rgba, width, height);
}

function fromPreprocessError(error: PreprocessError, field: string): GraphQLError {
  const code =
    error.code === 'EMPTY_DRAWING'
      ? ErrorCode.EMPTY_DRAWING
      : error.code === 'PAYLOAD_TOO_LARGE'
        ? ErrorCode.PAYLOAD_TOO_LARGE
        : ErrorCode.BAD_USER_INPUT;
  return apiError(code, error.message, { field });
}
