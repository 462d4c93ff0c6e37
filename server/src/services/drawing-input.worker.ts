/**
 * Piscina task of {@link DrawingInputPool}: `toModelInput` for an image
 * drawing, off the request thread (decoding a photo-sized JPEG in JavaScript
 * takes tens to hundreds of milliseconds). A refusal comes back as data, so
 * its code, message and field survive the thread boundary; anything else
 * thrown is a bug and rejects the task.
 */
import { GraphQLError } from 'graphql';
import { toModelInput, type Drawing, type DrawingLimits, type ModelInput } from './drawing-input.js';

export interface DrawingTask {
  drawing: Drawing;
  limits: DrawingLimits;
}

export type DrawingTaskResult =
  | { ok: true; input: ModelInput }
  | { ok: false; message: string; extensions: Record<string, unknown> };

export default function preprocessDrawing({ drawing, limits }: DrawingTask): DrawingTaskResult {
  try {
    return { ok: true, input: toModelInput(drawing, limits) };
  } catch (error) {
    if (error instanceof GraphQLError) return { ok: false, message: error.message, extensions: { ...error.extensions } };
    throw error;
  }
}
