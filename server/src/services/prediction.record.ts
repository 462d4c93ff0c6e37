/**
 * A stored prediction as services hand it out, its unstored twin (a preview),
 * and its plain-JSON form for subscribers. No database or model here, so the schema can be built (and
 * printed) without loading either.
 */
import type { InputKind } from '../db/entities/prediction.entity.js';
import type { PredictionAddedPayload } from '../graphql/pubsub.js';

/** A stored prediction as services hand it out. */
export interface PredictionRecord {
  id: string;
  modelVersionId: string;
  clientId: string | null;
  /** 784 bytes, row-major 28x28, ink 255 on background 0: exactly what the model saw, times 255. */
  pixels: Uint8Array;
  /** 10 probabilities, index = digit, as stored (float4). */
  probabilities: number[];
  digit: number;
  confidence: number;
  label: number | null;
  inputKind: InputKind;
  createdAt: Date;
  labeledAt: Date | null;
}

/** What `classify` would store for a drawing, answered without storing it (`preview`). */
export type PredictionPreviewRecord = Pick<PredictionRecord, 'modelVersionId' | 'pixels' | 'probabilities' | 'digit' | 'confidence' | 'inputKind'>;

/**
 * Rounds an MNIST image to bytes, the way it is stored. The model is then
 * run on the rounded image, so a stored row reproduces its prediction exactly.
 *
 * @param pixels 784 values in [0,1]
 * @returns 784 bytes, value = round(pixel * 255)
 */
export function quantizePixels(pixels: Float32Array): Uint8Array {
  const bytes = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) bytes[i] = Math.round(Math.min(1, Math.max(0, pixels[i])) * 255);
  return bytes;
}

/**
 * The number a `real` (float4) column gives back for `value`: Postgres prints
 * a float4 as the shortest decimal that rounds back to it, and the driver
 * parses that decimal as a double. An answer that was never stored (a
 * preview) goes through this so it equals what `classify` returns for the
 * same drawing, digit for digit.
 */
export function asStoredReal(value: number): number {
  const single = Math.fround(value);
  if (single === 0 || !Number.isFinite(single)) return single;
  // A float32 needs at most 9 significant digits to round-trip, and once d digits do, d + 1 do too
  // (the nearest (d+1)-digit decimal is at least as near as the nearest d-digit one): so the
  // shortest precision that round-trips can be found by bisection, in 3 or 4 tries instead of up to 9.
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(Number(single.toPrecision(mid))) === single) hi = mid;
    else lo = mid + 1;
  }
  return Number(single.toPrecision(lo));
}

/** The probabilities and confidence of an answer as the `real` columns give them back. */
export function asStoredAnswer(probabilities: ArrayLike<number>, digit: number): { probabilities: number[]; confidence: number } {
  const stored = Array.from(probabilities, asStoredReal);
  // float32 softmax can overshoot 1 by an ulp; the column is checked to [0,1].
  return { probabilities: stored, confidence: Math.min(1, stored[digit]) };
}

/** @returns 784 values in [0,1] from stored bytes */
export function dequantizePixels(bytes: Uint8Array): Float32Array {
  const pixels = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) pixels[i] = bytes[i] / 255;
  return pixels;
}

export function toPayload(record: PredictionRecord): PredictionAddedPayload {
  return {
    id: record.id,
    modelVersionId: record.modelVersionId,
    clientId: record.clientId,
    pixels: Buffer.from(record.pixels).toString('base64'),
    probabilities: record.probabilities,
    digit: record.digit,
    confidence: record.confidence,
    label: record.label,
    inputKind: record.inputKind,
    createdAt: record.createdAt.toISOString(),
    labeledAt: record.labeledAt?.toISOString() ?? null,
  };
}

export function fromPayload(payload: PredictionAddedPayload): PredictionRecord {
  return {
    ...payload,
    pixels: new Uint8Array(Buffer.from(payload.pixels, 'base64')),
    createdAt: new Date(payload.createdAt),
    labeledAt: payload.labeledAt === null ? null : new Date(payload.labeledAt),
  };
}

