/** Sample inputs for classify: a digit as strokes, as a PNG data URL and as MNIST pixels. */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** A "7" on a 280x280 canvas: a top bar and a diagonal. */
export const SEVEN_STROKES = {
  width: 280,
  height: 280,
  lineWidth: 18,
  strokes: [
    { points: [{ x: 70, y: 60 }, { x: 140, y: 58 }, { x: 210, y: 60 }] },
    { points: [{ x: 210, y: 60 }, { x: 170, y: 140 }, { x: 130, y: 230 }] },
  ],
};

/**
 * A PNG of `width` x `height`, dark ink on white paper, with a vertical bar
 * (a "1") in the middle unless `blank`.
 */
export function pngDataUrl(width = 56, height = 56, blank = false): string {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ink = !blank && Math.abs(x - width / 2) < width / 14 && y > height / 6 && y < (5 * height) / 6;
      const i = (y * width + x) * 4;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = ink ? 20 : 250;
      png.data[i + 3] = 255;
    }
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/**
 * A photo-like JPEG of `width` x `height`: a dark vertical bar (a "1") on
 * paper with a little grain, quality 80. Decoding one of 2048x1536 in
 * JavaScript takes a thread a few hundred milliseconds.
 */
export function jpegDataUrl(width: number, height: number): string {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ink = Math.abs(x - width / 2) < width / 20 && y > height / 5 && y < (4 * height) / 5;
      const i = (y * width + x) * 4;
      data[i] = data[i + 1] = data[i + 2] = ink ? 30 : 235 + ((x * 7 + y * 13) % 17);
      data[i + 3] = 255;
    }
  }
  return `data:image/jpeg;base64,${jpeg.encode({ data, width, height }, 80).data.toString('base64')}`;
}

/** 784 MNIST pixels (ink 1 on 0) of a vertical bar, a rough "1". */
export function onePixels(): number[] {
  return Array.from({ length: 784 }, (_, i) => {
    const x = i % 28;
    const y = Math.floor(i / 28);
    return x >= 13 && x <= 15 && y >= 4 && y <= 23 ? 1 : 0;
  });
}

export const CLASSIFY = /* GraphQL */ `
  mutation Classify($input: DrawingInput!) {
    classify(input: $input) {
      id
      digit
      confidence
      probabilities
      label
      pixels
      inputKind
      createdAt
      model { id version status }
    }
  }
`;

/**
 * The classify the Draw page sends for a finished drawing (the operation of
 * `client/src/lib/graphql/operations/draw.ts`; `test/app-operations.test.ts`
 * checks they stay the same): what load measurements should send.
 */
export const APP_CLASSIFY = /* GraphQL */ `
  mutation Classify($input: DrawingInput!) {
    classify(input: $input) {
      id
      digit
      confidence
      probabilities
      model {
        id
        version
      }
    }
  }
`;

export interface ClassifyResult {
  classify: {
    id: string;
    digit: number;
    confidence: number;
    probabilities: number[];
    label: number | null;
    pixels: number[];
    inputKind: string;
    createdAt: string;
    model: { id: string; version: number; status: string };
  };
}
