/**
 * Property tests over 12,000 generated inputs, most of them hostile: whatever
 * arrives through the API, preprocessing either returns a valid MNIST image
 * or throws a PreprocessError — never a TypeError, a RangeError, a hang, or
 * NaN in the output.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { decodeDataUrl } from '../image-decode.js';
import { MAX_POINTS, PreprocessError, preprocessPixels, preprocessRgba, preprocessStrokes } from './index.js';
import { placeStrokes, rasterise, SHAPES } from './test-fixtures.js';

const RUNS = 3000;
/** Share of generated inputs that must come out as images, not errors. */
const MIN_OK = 0.1;

/** Outcomes of `check` since the last `resetOutcomes`, by kind. */
const outcomes = new Map<string, number>();

/** Runs `run`; passes if it throws a PreprocessError, or returns 784 finite values in [0, 1]. */
function check(run: () => Float32Array): void {
  let out: Float32Array;
  try {
    out = run();
  } catch (error) {
    if (error instanceof PreprocessError) {
      assert.ok(['EMPTY_DRAWING', 'BAD_USER_INPUT', 'PAYLOAD_TOO_LARGE'].includes(error.code));
      assert.ok(error.message.length > 10, `an unhelpful message: ${error.message}`);
      outcomes.set(error.code, (outcomes.get(error.code) ?? 0) + 1);
      return;
    }
    throw error;
  }
  assert.ok(out instanceof Float32Array, 'the result is not a Float32Array');
  assert.equal(out.length, 784);
  for (let i = 0; i < 784; i++) assert.ok(Number.isFinite(out[i]!) && out[i]! >= 0 && out[i]! <= 1, `pixel ${i} is ${out[i]}`);
  outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
}

/**
 * Asserts that a share of the generated inputs reached the end of the
 * pipeline (so the generators exercise more than the validation), and
 * reports the mix.
 */
function assertOutcomes(t: TestContext, minOk: number): void {
  const summary = [...outcomes].map(([k, n]) => `${k} ${n}`).join(', ');
  const total = [...outcomes.values()].reduce((a, n) => a + n, 0);
  const ok = outcomes.get('ok') ?? 0;
  outcomes.clear();
  t.diagnostic(summary);
  assert.ok(ok >= minOk * total, `too few inputs were preprocessed: ${summary}`);
}

/** A small deterministic generator for bulk content (fast-check's own would spend the time budget on 784-value arrays). */
function lcg(seed: number): () => number {
  let s = (seed >>> 0) % 2147483647 || 1;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

/** Canvas coordinates, spread evenly (fast-check's doubles crowd near 0 and the extremes). */
const coordinate = fc.integer({ min: -5_000, max: 35_000 }).map((v) => v / 100);
const anyNumber = fc.oneof(
  { weight: 6, arbitrary: coordinate },
  { weight: 2, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 140, 280, 1e-300, 1e308, -1e308, NaN, Infinity, -Infinity) },
);
const saneStroke = fc.array(fc.record({ x: coordinate, y: coordinate }), {
  minLength: 1,
  maxLength: 40,
});
const point = fc.oneof(
  { weight: 20, arbitrary: fc.record({ x: anyNumber, y: anyNumber }) },
  { weight: 1, arbitrary: fc.anything() },
);
const hostileStroke = fc.oneof({ weight: 20, arbitrary: fc.array(point, { maxLength: 40 }) }, { weight: 1, arbitrary: fc.anything() });
const tooManyPoints = [Array.from({ length: MAX_POINTS + 1 }, (_, i) => ({ x: i % 280, y: (i * 7) % 280 }))];
const strokes = fc.oneof(
  { weight: 15, arbitrary: fc.array(saneStroke, { minLength: 1, maxLength: 8 }) },
  { weight: 10, arbitrary: fc.array(hostileStroke, { maxLength: 8 }) },
  { weight: 3, arbitrary: fc.constantFrom(...Object.values(SHAPES)).map((shape) => placeStrokes(shape, 20, 20, 240)) },
  { weight: 1, arbitrary: fc.constant(tooManyPoints) },
  { weight: 1, arbitrary: fc.anything() },
);
const side = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 1, max: 1000 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 4096, 4097, 0.5, NaN) },
);
const canvas = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      width: fc.integer({ min: 100, max: 600 }),
      height: fc.integer({ min: 100, max: 600 }),
      lineWidth: fc.option(fc.integer({ min: 5, max: 400 }).map((v) => v / 10), { nil: undefined }),
    }),
  },
  { weight: 20, arbitrary: fc.record({ width: side, height: side, lineWidth: fc.option(fc.oneof(side, fc.double({ min: 0.1, max: 60 })), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.anything() },
);

const pixels = fc.oneof(
  // Valid, blank, or one bad value somewhere: built from a seed.
  fc.tuple(fc.integer(), fc.constantFrom('valid', 'valid', 'valid', 'valid', 'blank', 'faint', 'nan', 'negative', 'above one', 'string'), fc.nat(783)).map(([seed, kind, at]) => {
    const random = lcg(seed);
    const values: unknown[] = Array.from({ length: 784 }, () => (kind === 'blank' ? 0 : kind === 'faint' ? random() * 1e-3 : random() < 0.8 ? 0 : random()));
    values[at] = { nan: NaN, negative: -random(), 'above one': 1 + random(), string: '0.5' }[kind as string] ?? values[at];
    return values;
  }),
  fc.tuple(fc.integer(), fc.nat(2000)).map(([seed, length]) => Array.from({ length }, lcg(seed))),
  fc.tuple(fc.integer(), fc.constantFrom(783, 784, 785)).map(([seed, length]) => Float32Array.from({ length }, lcg(seed))),
  fc.array(fc.double(), { maxLength: 20 }),
  fc.anything(),
);

/** RGBA images: mostly well-sized with structured content, some with sizes that disagree. */
const rgbaImage = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 96 }), fc.integer({ min: 1, max: 96 }), fc.integer(), fc.constantFrom('noise', 'blank', 'boxes', 'alpha', 'drawing'))
      .map(([width, height, seed, kind]) => ({ width, height, rgba: makeImage(width, height, seed, kind) })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      width: fc.oneof(fc.integer({ min: -2, max: 50 }), fc.double()),
      height: fc.oneof(fc.integer({ min: -2, max: 50 }), fc.constantFrom(4097, 1e9)),
      rgba: fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.anything()),
    }),
  },
);

function makeImage(width: number, height: number, seed: number, kind: string): Uint8Array {
  const random = lcg(seed);
  if (kind === 'drawing') {
    const shapes = Object.values(SHAPES);
    const shape = shapes[(seed >>> 0) % shapes.length]!;
    const size = Math.min(width, height) * (0.2 + 0.7 * random());
    const ink = [0, 0, 0].map(() => Math.floor(256 * random())) as [number, number, number];
    return rasterise(placeStrokes(shape, random() * (width - size), random() * (height - size), size), width, height, 1 + random() * size * 0.3, [...ink, 255], [255 - ink[0], 255 - ink[1], 255 - ink[2], Math.floor(256 * random())]);
  }
  const rgba = new Uint8Array(width * height * 4);
  if (kind === 'blank') return rgba.fill(Math.floor(256 * random()));
  if (kind === 'noise' || kind === 'alpha') {
    for (let i = 0; i < rgba.length; i++) rgba[i] = kind === 'alpha' && i % 4 !== 3 ? 0 : Math.floor(256 * random());
    return rgba;
  }
  rgba.fill(255);
  for (let b = 0; b < 1 + Math.floor(4 * random()); b++) {
    const x0 = Math.floor(random() * width);
    const y0 = Math.floor(random() * height);
    const x1 = Math.min(width, x0 + Math.ceil(random() * width));
    const y1 = Math.min(height, y0 + Math.ceil(random() * height));
    const v = Math.floor(256 * random());
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) rgba.fill(v, 4 * (y * width + x), 4 * (y * width + x) + 3);
  }
  return rgba;
}

const validPng = PNG.sync.write(Object.assign(new PNG({ width: 40, height: 30 }), { data: Buffer.from(rasterise(placeStrokes(SHAPES.four!, 5, 2, 26), 40, 30, 3)) }));
const validJpeg = jpeg.encode({ width: 40, height: 30, data: rasterise(placeStrokes(SHAPES.two!, 5, 2, 26), 40, 30, 3) }, 60).data;
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** Mutates `bytes` at a few positions (fast-check picks positions and values). */
const mutated = (bytes: Uint8Array) =>
  fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.nat(255)), { minLength: 1, maxLength: 6 }).map((edits) => {
    const copy = Uint8Array.from(bytes);
    for (const [at, value] of edits) copy[at] = value;
    return copy;
  });

const dataUrl = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => `data:image/png;base64,${base64(b)}`),
  fc.uint8Array({ maxLength: 300 }).map((b) => `data:image/jpeg;base64,${base64(Uint8Array.from([0xff, 0xd8, 0xff, ...b]))}`),
  fc.uint8Array({ maxLength: 300 }).map((b) => `data:image/png;base64,${base64(Uint8Array.from([...validPng.subarray(0, 33), ...b]))}`),
  mutated(validPng).map((b) => `data:image/png;base64,${base64(b)}`),
  mutated(validJpeg).map((b) => `data:image/jpeg;base64,${base64(b)}`),
  fc.nat(validPng.length).map((n) => `data:image/png;base64,${base64(validPng.subarray(0, n))}`),
  fc.nat(validJpeg.length).map((n) => `data:image/jpeg;base64,${base64(validJpeg.subarray(0, n))}`),
  fc.tuple(fc.constantFrom('data:image/png;base64,', 'data:image/jpeg;base64,', 'data:,', 'data:image/png;base64'), fc.string({ maxLength: 40 })).map(([h, t]) => h + t),
  fc.anything(),
);

describe('preprocessing under generated input', () => {
  it('strokes: returns 784 values in [0, 1] or throws a PreprocessError', (t) => {
    fc.assert(fc.property(strokes, canvas, (s, c) => check(() => preprocessStrokes(s as never, c as never))), { numRuns: RUNS });
    assertOutcomes(t, MIN_OK);
  });

  it('pixel arrays: returns 784 values in [0, 1] or throws a PreprocessError', (t) => {
    fc.assert(fc.property(pixels, (p) => check(() => preprocessPixels(p as never))), { numRuns: RUNS });
    assertOutcomes(t, MIN_OK);
  });

  it('RGBA images: returns 784 values in [0, 1] or throws a PreprocessError', (t) => {
    fc.assert(fc.property(rgbaImage, ({ rgba, width, height }) => check(() => preprocessRgba(rgba as never, width as never, height as never))), { numRuns: RUNS });
    assertOutcomes(t, MIN_OK);
  });

  it('data URLs, valid, truncated or corrupted: decoding then preprocessing returns 784 values in [0, 1] or throws a PreprocessError', (t) => {
    const limits = { maxSide: 1024, maxPixels: 1024 * 1024 };
    fc.assert(
      fc.property(dataUrl, (url) =>
        check(() => {
          const image = decodeDataUrl(url as string, limits);
          return preprocessRgba(image.rgba, image.width, image.height);
        }),
      ),
      { numRuns: RUNS },
    );
    assertOutcomes(t, 0.02);
  });
});
