/**
 * The generality set: digits that are not MNIST (handwriting fonts rendered
 * as images in many ways, and synthetic pen strokes), sent through the
 * public `classify` mutation over HTTP, and the figures that come out.
 * Shared by `bench/generality.bench.ts` (the whole set) and
 * `test/generality.test.ts` (a fixed small subset).
 */
import { Rng } from '../../server/src/ml/rng.js';
import { HANDWRITING_FONTS, type HandwritingFont } from './handwriting-fonts.js';
import { imageSpec, IMAGE_VARIATIONS, strokeShare, type ImageVariation } from './handwriting-images.js';
import type { HandwritingPage, SheetCell } from './handwriting-page.js';
import { jitterStrokes, placeSkeleton, skeletonStrokes, STROKE_TEMPLATES, type StrokeDrawing } from './handwriting-strokes.js';
import { graphql } from './graphql.js';

export interface Sample {
  /** Unique and stable, e.g. `image/caveat/paper/7`. */
  id: string;
  digit: number;
  kind: 'image' | 'strokes';
  /** The font id, or `template` for hand-authored strokes. */
  source: string;
  split: HandwritingFont['split'] | 'template';
  /** An image variation, `skeleton` for a font's traced centre lines, or a template's style. */
  variation: string;
  image?: string;
  drawing?: StrokeDrawing;
}

export interface Outcome {
  sample: Sample;
  /** Null when the API answered with an error. */
  predicted: number | null;
  confidence: number;
  /** The 28 × 28 input the model saw (784 values, ink 1), empty on error. */
  pixels: number[];
  /** `extensions.code` and message of the API's error, if any. */
  error?: string;
}

/** A stable 32-bit seed from a sample's id, so any subset renders exactly as in the full set. */
function seedOf(id: string, seed: number): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Every `fonts` × digit × `variations` image, rendered by `page`. */
export async function imageSamples(
  page: HandwritingPage,
  fonts: readonly HandwritingFont[] = HANDWRITING_FONTS,
  variations: readonly ImageVariation[] = IMAGE_VARIATIONS,
  seed = 1,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const font of fonts) {
    for (const variation of variations) {
      for (let digit = 0; digit < 10; digit++) {
        const id = `image/${font.id}/${variation}/${digit}`;
        samples.push({ id, digit, kind: 'image', source: font.id, split: font.split, variation });
      }
    }
  }
  const shares = new Map<string, number>();
  for (const font of fonts) {
    const masks = await Promise.all(Array.from({ length: 10 }, (_, digit) => page.glyphMask(font.id, String(digit), 100)));
    shares.set(font.id, masks.reduce((sum, mask) => sum + strokeShare(mask, 100), 0) / masks.length);
  }
  const specs = samples.map((s) =>
    imageSpec(s.source, String(s.digit), s.variation as ImageVariation, new Rng(seedOf(s.id, seed)), shares.get(s.source)),
  );
  const urls = await page.renderImages(specs);
  urls.forEach((url, i) => (samples[i]!.image = url));
  return samples;
}

/**
 * Pen strokes: each font's digits traced to centre lines (`perFont`
 * placements each), and every template style of every digit jittered
 * `perStyle` times.
 */
export async function strokeSamples(
  page: HandwritingPage,
  fonts: readonly HandwritingFont[] = HANDWRITING_FONTS,
  perFont = 2,
  perStyle = 24,
  seed = 1,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const font of fonts) {
    for (let digit = 0; digit < 10; digit++) {
      const skeleton = skeletonStrokes(await page.glyphMask(font.id, String(digit), 160));
      for (let k = 0; k < perFont; k++) {
        const id = `strokes/${font.id}/skeleton/${digit}/${k}`;
        const drawing = placeSkeleton(skeleton, new Rng(seedOf(id, seed)));
        samples.push({ id, digit, kind: 'strokes', source: font.id, split: font.split, variation: 'skeleton', drawing });
      }
    }
  }
  for (let digit = 0; digit < 10; digit++) {
    for (const [style, strokes] of Object.entries(STROKE_TEMPLATES[digit]!)) {
      for (let k = 0; k < perStyle; k++) {
        const id = `strokes/template/${digit}-${style}/${k}`;
        const drawing = jitterStrokes(strokes, new Rng(seedOf(id, seed)));
        samples.push({ id, digit, kind: 'strokes', source: 'template', split: 'template', variation: `${digit}-${style}`, drawing });
      }
    }
  }
  return samples;
}

const CLASSIFY = /* GraphQL */ `
  mutation Classify($input: DrawingInput!) {
    classify(input: $input) { digit confidence pixels }
  }
`;

/** The `DrawingInput` a client would send for `sample`. */
export function drawingInput(sample: Sample): Record<string, unknown> {
  if (sample.image) return { image: sample.image };
  const { strokes, width, height, lineWidth } = sample.drawing!;
  return { strokes: strokes.map((points) => ({ points })), width, height, lineWidth };
}

/** Classifies every sample through `baseUrl`'s `/graphql`, `concurrency` requests at a time. */
export async function classifySamples(baseUrl: string, samples: readonly Sample[], concurrency = 4): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(samples.length);
  let next = 0;
  const worker = async () => {
    while (next < samples.length) {
      const i = next++;
      const sample = samples[i]!;
      const response = await graphql<{ classify: { digit: number; confidence: number; pixels: number[] } }>(baseUrl, CLASSIFY, { input: drawingInput(sample) });
      const answer = response.data?.classify;
      outcomes[i] = answer
        ? { sample, predicted: answer.digit, confidence: answer.confidence, pixels: answer.pixels }
        : {
            sample,
            predicted: null,
            confidence: 0,
            pixels: [],
            error: (response.errors ?? []).map((e) => `${String(e.extensions?.code)}: ${e.message}`).join('; ') || `HTTP ${response.status}`,
          };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

export interface GroupAccuracy {
  group: string;
  correct: number;
  total: number;
  accuracy: number;
}

/** Accuracy per value of `key`, worst first (ties by name). */
export function accuracyBy(outcomes: readonly Outcome[], key: (o: Outcome) => string): GroupAccuracy[] {
  const groups = new Map<string, { correct: number; total: number }>();
  for (const o of outcomes) {
    const g = groups.get(key(o)) ?? { correct: 0, total: 0 };
    g.total++;
    if (o.predicted === o.sample.digit) g.correct++;
    groups.set(key(o), g);
  }
  return [...groups]
    .map(([group, { correct, total }]) => ({ group, correct, total, accuracy: correct / total }))
    .sort((a, b) => a.accuracy - b.accuracy || a.group.localeCompare(b.group));
}

/** Share of `outcomes` classified correctly. */
export function accuracy(outcomes: readonly Outcome[]): number {
  return outcomes.filter((o) => o.predicted === o.sample.digit).length / Math.max(1, outcomes.length);
}

/** The most frequent `true → predicted` mistakes, with counts. */
export function topConfusions(outcomes: readonly Outcome[], limit = 12): Array<{ pair: string; count: number }> {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    if (o.predicted === o.sample.digit) continue;
    const pair = `${o.sample.digit}→${o.predicted ?? 'error'}`;
    counts.set(pair, (counts.get(pair) ?? 0) + 1);
  }
  return [...counts].map(([pair, count]) => ({ pair, count })).sort((a, b) => b.count - a.count || a.pair.localeCompare(b.pair)).slice(0, limit);
}

/** Contact-sheet cells for the misclassified outcomes (errors included, with a blank 28 × 28). */
export function failureCells(outcomes: readonly Outcome[]): SheetCell[] {
  return outcomes
    .filter((o) => o.predicted !== o.sample.digit)
    .map((o) => ({
      image: o.sample.image,
      strokes: o.sample.drawing?.strokes,
      canvas: o.sample.drawing && { width: o.sample.drawing.width, height: o.sample.drawing.height, lineWidth: o.sample.drawing.lineWidth },
      pixels: o.pixels.length === 784 ? o.pixels : new Array<number>(784).fill(0),
      caption: `${o.sample.digit}→${o.predicted ?? 'err'} ${(o.confidence * 100).toFixed(0)}% ${o.sample.source.slice(0, 12)} ${o.sample.variation.slice(0, 12)}`,
    }));
}

/** A fixed-width table of group accuracies, one line per group. */
export function formatAccuracies(title: string, rows: readonly GroupAccuracy[]): string {
  const width = Math.max(title.length, ...rows.map((r) => r.group.length));
  return [
    `${title.padEnd(width)}  accuracy   n`,
    ...rows.map((r) => `${r.group.padEnd(width)}  ${(100 * r.accuracy).toFixed(1).padStart(6)}%  ${String(r.total).padStart(4)}`),
  ].join('\n');
}
