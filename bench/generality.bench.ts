/**
 * Generality: how well the committed model reads handwriting that is not
 * MNIST. The proxy for "many writers" is 25 handwriting fonts (each one
 * person's hand), every digit rendered by Chromium in 14 ways a real image
 * arrives (canvas export, scan, photo, ruled notebook page, thumbnail, dark
 * theme, JPEG ...), plus pen strokes: each font's digits traced to centre
 * lines, and hand-authored stroke templates (open and closed 4, crossed 7
 * ...) jittered in shape, slant, size, position, speed and pen width.
 *
 * Everything goes through the public `classify` mutation over HTTP to a real
 * server (its own database, the committed model in data/model). Prints
 * accuracy overall, per input kind, per font (dev and held-out fonts apart:
 * only the dev fonts were looked at while tuning the preprocessing), per
 * variation, per digit, and the most common confusions; saves contact
 * sheets of the mistakes to test-artifacts/.
 *
 * Run: `npm run bench generality` (or `node server/dist/bench/generality.bench.js`
 * after `npm run build`). Needs Chromium (`CHROMIUM_PATH`, default
 * /usr/bin/chromium). About 4,700 requests; a few minutes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../server/src/config.js';
import {
  accuracy,
  accuracyBy,
  classifySamples,
  failureCells,
  formatAccuracies,
  imageSamples,
  strokeSamples,
  topConfusions,
  type Outcome,
} from '../test/helpers/generality.js';
import { HANDWRITING_FONTS } from '../test/helpers/handwriting-fonts.js';
import { HandwritingPage } from '../test/helpers/handwriting-page.js';
import { startTestServer } from '../test/helpers/server.js';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

export interface GeneralityResult {
  total: number;
  accuracy: number;
  images: number;
  strokes: number;
  heldOutImages: number;
  devImages: number;
  seconds: number;
}

export async function runGeneralityBench(): Promise<GeneralityResult> {
  const started = performance.now();
  const page = await HandwritingPage.open(HANDWRITING_FONTS);
  let images;
  let strokes;
  try {
    images = await imageSamples(page);
    strokes = await strokeSamples(page);
  } finally {
    await page.close();
  }
  const rendered = performance.now();
  console.log(`rendered ${images.length} images and ${strokes.length} stroke drawings in ${((rendered - started) / 1000).toFixed(1)} s`);

  const server = await startTestServer({
    model: 'none',
    config: { defaultModelDir: join(REPO_ROOT, 'data', 'model'), runWorker: false, classifyRateLimit: 0 },
  });
  let outcomes: Outcome[];
  try {
    outcomes = await classifySamples(server.url, [...images, ...strokes]);
  } finally {
    await server.close();
  }
  const classified = performance.now();
  console.log(`classified ${outcomes.length} samples over HTTP in ${((classified - rendered) / 1000).toFixed(1)} s\n`);

  const imageOutcomes = outcomes.filter((o) => o.sample.kind === 'image');
  const strokeOutcomes = outcomes.filter((o) => o.sample.kind === 'strokes');
  const errors = outcomes.filter((o) => o.error);
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  console.log(`overall ${pct(accuracy(outcomes))} of ${outcomes.length}` + (errors.length ? ` (${errors.length} API errors, e.g. ${errors[0]!.sample.id}: ${errors[0]!.error})` : ''));
  console.log(formatAccuracies('\ninput', accuracyBy(outcomes, (o) => (o.sample.kind === 'image' ? `image (${o.sample.split} fonts)` : o.sample.split === 'template' ? 'strokes (templates)' : `strokes (${o.sample.split} font skeletons)`))));
  console.log(formatAccuracies('\nimage variation', accuracyBy(imageOutcomes, (o) => o.sample.variation)));
  console.log(formatAccuracies('\nfont (images, skeleton strokes)', accuracyBy([...imageOutcomes, ...strokeOutcomes.filter((o) => o.sample.split !== 'template')], (o) => `${o.sample.source}${o.sample.split === 'held-out' ? ' *' : ''}`)));
  console.log('(* held-out font)');
  console.log(formatAccuracies('\ndigit (images)', accuracyBy(imageOutcomes, (o) => String(o.sample.digit)).sort((a, b) => a.group.localeCompare(b.group))));
  console.log(formatAccuracies('\ndigit (strokes)', accuracyBy(strokeOutcomes, (o) => String(o.sample.digit)).sort((a, b) => a.group.localeCompare(b.group))));
  console.log(formatAccuracies('\nstroke template style', accuracyBy(strokeOutcomes.filter((o) => o.sample.split === 'template'), (o) => o.sample.variation)));
  console.log('\nconfusions, images:  ' + topConfusions(imageOutcomes).map((c) => `${c.pair} ×${c.count}`).join(', '));
  console.log('confusions, strokes: ' + topConfusions(strokeOutcomes).map((c) => `${c.pair} ×${c.count}`).join(', '));

  await mkdir(ARTIFACTS, { recursive: true });
  const sheetPage = await HandwritingPage.open([]);
  try {
    for (const [name, group] of [
      ['images', imageOutcomes],
      ['strokes', strokeOutcomes],
    ] as const) {
      const cells = failureCells(group);
      if (cells.length === 0) continue;
      const path = join(ARTIFACTS, `generality-failures-${name}.png`);
      await writeFile(path, await sheetPage.contactSheet(cells.slice(0, 400)));
      console.log(`${cells.length} misclassified ${name}${cells.length > 400 ? ' (first 400 shown)' : ''}: ${path}`);
    }
  } finally {
    await sheetPage.close();
  }
  const predictions = Object.fromEntries(outcomes.map((o) => [o.sample.id, o.predicted]));
  await writeFile(join(ARTIFACTS, 'generality-predictions.json'), JSON.stringify(predictions, null, 0));

  return {
    total: outcomes.length,
    accuracy: accuracy(outcomes),
    images: accuracy(imageOutcomes),
    strokes: accuracy(strokeOutcomes),
    devImages: accuracy(imageOutcomes.filter((o) => o.sample.split === 'dev')),
    heldOutImages: accuracy(imageOutcomes.filter((o) => o.sample.split === 'held-out')),
    seconds: (performance.now() - started) / 1000,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await runGeneralityBench();
  console.log(`\n${JSON.stringify(result)}`);
}
