/**
 * Handwriting fonts as a stand-in for many writers: each font is one real
 * person's handwriting, digitised. They come from npm (`@fontsource/*`, dev
 * dependencies of the server), so `npm ci` brings them everywhere.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface HandwritingFont {
  /** The `@fontsource` package name without its scope, e.g. `caveat`. */
  readonly id: string;
  /**
   * `dev` fonts were looked at while tuning the preprocessing; `held-out`
   * fonts only ever gave figures, so their accuracy is the honest estimate
   * of how the tuning generalises to writers it never saw.
   */
  readonly split: 'dev' | 'held-out';
}

/** 25 handwriting fonts: printed and cursive hands, thin and marker pens, European 1s and crossed 7s. */
export const HANDWRITING_FONTS: readonly HandwritingFont[] = [
  { id: 'architects-daughter', split: 'dev' },
  { id: 'caveat', split: 'dev' },
  { id: 'cedarville-cursive', split: 'dev' },
  { id: 'dawning-of-a-new-day', split: 'dev' },
  { id: 'gloria-hallelujah', split: 'dev' },
  { id: 'homemade-apple', split: 'dev' },
  { id: 'indie-flower', split: 'dev' },
  { id: 'just-another-hand', split: 'dev' },
  { id: 'kalam', split: 'dev' },
  { id: 'nothing-you-could-do', split: 'dev' },
  { id: 'patrick-hand', split: 'dev' },
  { id: 'permanent-marker', split: 'dev' },
  { id: 'rock-salt', split: 'dev' },
  { id: 'schoolbell', split: 'dev' },
  { id: 'shadows-into-light', split: 'dev' },
  { id: 'sue-ellen-francisco', split: 'dev' },
  { id: 'waiting-for-the-sunrise', split: 'dev' },
  { id: 'covered-by-your-grace', split: 'held-out' },
  { id: 'gochi-hand', split: 'held-out' },
  { id: 'la-belle-aurore', split: 'held-out' },
  { id: 'loved-by-the-king', split: 'held-out' },
  { id: 'over-the-rainbow', split: 'held-out' },
  { id: 'reenie-beanie', split: 'held-out' },
  { id: 'swanky-and-moo-moo', split: 'held-out' },
  { id: 'zeyada', split: 'held-out' },
];

const require = createRequire(import.meta.url);

/** The font's Latin subset (digits included) as WOFF2 bytes. */
export function readFontFile(font: HandwritingFont): Buffer {
  const file = `@fontsource/${font.id}/files/${font.id}-latin-400-normal.woff2`;
  let path: string;
  try {
    path = require.resolve(file);
  } catch {
    throw new Error(`${file} is not installed: run npm ci (the fonts are dev dependencies of the server)`);
  }
  return readFileSync(path);
}
