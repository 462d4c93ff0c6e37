/**
 * How a digit reaches the API as an image: the variations the generality
 * benchmark renders every font's digits in. Each stands for a way real
 * people send handwriting (a canvas export, a scan, a phone photo, a
 * thumbnail), with its own random size, position and colours per sample.
 */
import { Rng } from '../../server/src/ml/rng.js';
import type { GlyphMask, ImageSpec } from './handwriting-page.js';

export const IMAGE_VARIATIONS = [
  /** Near-black ink on white, the digit filling about 70% of a 128 px square. */
  'clean',
  /** A small digit (15–25% of the height) anywhere on a 400 × 300 sheet: a lot of empty margin. */
  'margins',
  /** Cropped to 1–3 px around the ink: the digit touches the image's border. */
  'tight',
  /** Rotated 5–12° either way. */
  'rotated',
  /** Strokes thickened by 6–10% of the font size (a marker). */
  'bold',
  /** Strokes thinned to 50–70% of the font's own width, digit large on a 512 px sheet (a fine pen). */
  'thin',
  /** Light ink on a dark ground (a dark-theme canvas). */
  'dark',
  /** Grey or tinted paper, ballpoint-blue or black ink, grain and uneven light. */
  'paper',
  /** Notebook paper: light blue rules about a third of the digit's height apart run through it, up to 2° askew; a little grain. */
  'ruled',
  /** Off-white paper with a little grain, saved as JPEG at quality 0.7. */
  'jpeg',
  /** Ink on a transparent background (a canvas exported as PNG), dark or light ink. */
  'transparent',
  /** Pencil: mid-grey ink on white, low contrast. */
  'faint',
  /** The whole image is 32 × 32 px: a thumbnail. */
  'thumbnail',
  /** A 1200 × 900 phone photo: digit 25–40% of the height, grain, shadow, JPEG 0.8. */
  'photo',
] as const;
export type ImageVariation = (typeof IMAGE_VARIATIONS)[number];

/**
 * The image spec for `text` in `family` under `variation`. Every random
 * choice comes from `rng`, so a seed gives the same image on every run
 * (with the same Chromium and fonts). `strokeShare` is the font's stroke
 * width over its font size (see {@link strokeShare}), which `thin` takes a
 * share of: a fixed amount would erase a fine font's strokes entirely.
 */
export function imageSpec(family: string, text: string, variation: ImageVariation, rng: Rng, strokeShare = 0.08): ImageSpec {
  // A glyph's ink is about 0.7 of the font size tall in these fonts; sizes
  // are chosen by the ink height wanted.
  const fontFor = (inkHeight: number) => inkHeight / 0.7;
  const base: ImageSpec = {
    family,
    text,
    width: 128,
    height: 128,
    fontSize: fontFor(128 * rng.uniform(0.55, 0.8)),
    cx: 64 + rng.uniform(-6, 6),
    cy: 64 + rng.uniform(-6, 6),
    rotation: rng.uniform(-3, 3),
    weight: 0,
    ink: grey(rng.int(40)),
    paper: grey(255 - rng.int(8)),
    shade: 0,
    noise: 0,
    format: 'png',
    seed: rng.seed(),
  };
  switch (variation) {
    case 'clean':
      return base;
    case 'margins': {
      const fontSize = fontFor(300 * rng.uniform(0.15, 0.25));
      return { ...base, width: 400, height: 300, fontSize, cx: rng.uniform(60, 340), cy: rng.uniform(50, 250) };
    }
    case 'tight':
      return { ...base, fontSize: fontFor(rng.uniform(40, 120)), rotation: 0, margin: 1 + rng.int(3) };
    case 'rotated':
      return { ...base, rotation: (rng.next() < 0.5 ? -1 : 1) * rng.uniform(5, 12) };
    case 'bold':
      return { ...base, weight: base.fontSize * rng.uniform(0.06, 0.1) };
    case 'thin': {
      const fontSize = fontFor(512 * rng.uniform(0.5, 0.7));
      return { ...base, width: 512, height: 512, fontSize, cx: 256, cy: 256, weight: -fontSize * strokeShare * rng.uniform(0.3, 0.5) };
    }
    case 'dark':
      return { ...base, ink: grey(215 + rng.int(41)), paper: grey(rng.int(48)) };
    case 'paper': {
      const level = 170 + rng.int(50);
      const blue = rng.next() < 0.5;
      return {
        ...base,
        width: 320,
        height: 320,
        fontSize: fontFor(320 * rng.uniform(0.45, 0.7)),
        cx: 160 + rng.uniform(-20, 20),
        cy: 160 + rng.uniform(-20, 20),
        ink: blue ? `rgb(${20 + rng.int(30)},${40 + rng.int(30)},${110 + rng.int(60)})` : grey(20 + rng.int(40)),
        paper: `rgb(${level},${level - rng.int(8)},${level - 8 - rng.int(12)})`,
        shade: rng.uniform(0.1, 0.35),
        noise: rng.uniform(6, 14),
      };
    }
    case 'ruled': {
      const inkHeight = 320 * rng.uniform(0.4, 0.6);
      const spacing = inkHeight * rng.uniform(0.3, 0.45);
      return {
        ...base,
        width: 320,
        height: 320,
        fontSize: fontFor(inkHeight),
        cx: 160 + rng.uniform(-30, 30),
        cy: 160 + rng.uniform(-30, 30),
        ink: rng.next() < 0.5 ? `rgb(${20 + rng.int(30)},${40 + rng.int(30)},${110 + rng.int(60)})` : grey(20 + rng.int(40)),
        paper: grey(240 + rng.int(15)),
        rules: {
          spacing,
          offset: rng.uniform(0, spacing),
          width: rng.uniform(1, 3),
          color: `rgb(${150 + rng.int(40)},${185 + rng.int(30)},${225 + rng.int(30)})`,
          angle: rng.uniform(-2, 2),
        },
        noise: 3,
        format: 'jpeg',
        quality: 0.85,
      };
    }
    case 'jpeg':
      return { ...base, width: 240, height: 240, fontSize: fontFor(240 * rng.uniform(0.5, 0.75)), cx: 120, cy: 120, paper: grey(235 + rng.int(15)), noise: 4, format: 'jpeg', quality: 0.7 };
    case 'transparent': {
      const light = rng.next() < 0.3;
      return { ...base, width: 200, height: 200, fontSize: fontFor(200 * rng.uniform(0.5, 0.75)), cx: 100, cy: 100, ink: light ? grey(240) : grey(20), paper: null };
    }
    case 'faint':
      return { ...base, ink: grey(120 + rng.int(40)) };
    case 'thumbnail':
      return { ...base, width: 32, height: 32, fontSize: fontFor(32 * rng.uniform(0.6, 0.8)), cx: 16 + rng.uniform(-1, 1), cy: 16 + rng.uniform(-1, 1) };
    case 'photo': {
      const level = 180 + rng.int(50);
      return {
        ...base,
        width: 1200,
        height: 900,
        fontSize: fontFor(900 * rng.uniform(0.25, 0.4)),
        cx: rng.uniform(400, 800),
        cy: rng.uniform(300, 600),
        rotation: rng.uniform(-6, 6),
        ink: grey(30 + rng.int(40)),
        paper: grey(level),
        shade: rng.uniform(0.15, 0.4),
        noise: rng.uniform(4, 10),
        format: 'jpeg',
        quality: 0.8,
      };
    }
  }
}

/**
 * A glyph's mean stroke width over its font size: twice its area over its
 * perimeter (for long strokes, their width), from a mask rendered at
 * `fontSize` px.
 */
export function strokeShare(mask: GlyphMask, fontSize: number): number {
  const { alpha, width, height } = mask;
  let area = 0;
  let perimeter = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const v = alpha[i]! / 255;
      area += v;
      perimeter += Math.abs((x + 1 < width ? alpha[i + 1]! / 255 : 0) - v) + Math.abs((y + 1 < height ? alpha[i + width]! / 255 : 0) - v);
    }
  }
  // The sum of |dx| + |dy| over-counts a slanted edge's length by up to √2; π/4 corrects the average.
  return perimeter > 0 ? (2 * area) / (perimeter * (Math.PI / 4)) / fontSize : 0;
}

function grey(level: number): string {
  return `rgb(${level},${level},${level})`;
}
