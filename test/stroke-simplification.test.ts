import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asPointerSamples, jitterStrokes, STROKE_TEMPLATES, type Point } from './helpers/handwriting-strokes.js';
import { readArtifactsDir } from '../server/src/ml/artifacts.js';
import { Classifier } from '../server/src/ml/classifier.js';
import { preprocessStrokes, simplifyStrokes } from '../server/src/ml/preprocess/index.js';
import { Rng } from '../server/src/ml/rng.js';

interface DenseDrawing {
  digit: number;
  strokes: Point[][];
  canvas: { width: number; height: number; lineWidth: number };
}

/** Eight jittered drawings of every template, each stroke as a pointer samples it. */
function denseDrawings(): DenseDrawing[] {
  const drawings: DenseDrawing[] = [];
  let seed = 1;
  for (let digit = 0; digit < 10; digit++) {
    for (const template of Object.values(STROKE_TEMPLATES[digit]!)) {
      for (let k = 0; k < 8; k++) {
        const rng = new Rng(seed++);
        const { strokes, width, height, lineWidth } = jitterStrokes(template, rng);
        drawings.push({ digit, strokes: strokes.map((stroke) => asPointerSamples(stroke, rng)), canvas: { width, height, lineWidth } });
      }
    }
  }
  return drawings;
}

const points = (strokes: readonly (readonly Point[])[]) => strokes.reduce((sum, stroke) => sum + stroke.length, 0);
const argmax = (values: ArrayLike<number>) => Array.from(values).indexOf(Math.max(...Array.from(values)));

describe('stroke simplification before sending', () => {
  let classifier: Classifier;
  before(async () => {
    classifier = await Classifier.fromArtifacts((await readArtifactsDir('data/model')).artifacts);
  });
  after(() => classifier.dispose());

  test('sends at least 4x fewer points of pointer-sampled drawings, moving no pixel of the 28x28 input by more than 0.15 and changing no digit', async () => {
    const drawings = denseDrawings();
    let before = 0;
    let afterwards = 0;
    let meanDiff = 0;
    for (const [i, drawing] of drawings.entries()) {
      const simplified = simplifyStrokes(drawing.strokes);
      before += points(drawing.strokes);
      afterwards += points(simplified);
      const dense = preprocessStrokes(drawing.strokes, drawing.canvas);
      const sent = preprocessStrokes(simplified, drawing.canvas);
      let worst = 0;
      for (let p = 0; p < dense.length; p++) {
        const diff = Math.abs(dense[p]! - sent[p]!);
        worst = Math.max(worst, diff);
        meanDiff += diff / dense.length / drawings.length;
      }
      assert.ok(worst <= 0.15, `drawing ${i} (a ${drawing.digit}): a pixel moved by ${worst.toFixed(3)}`);
      const [denseDigit, sentDigit] = await Promise.all([classifier.predict(dense), classifier.predict(sent)]);
      assert.equal(argmax(sentDigit), argmax(denseDigit), `drawing ${i} (a ${drawing.digit}) is read differently once simplified`);
    }
    assert.ok(before >= 4 * afterwards, `${before} points became ${afterwards}, not 4x fewer`);
    assert.ok(meanDiff < 0.003, `mean pixel change ${meanDiff.toFixed(5)}`);
  });

  test('keeps every stroke, its first and last point, and dots as dots', () => {
    const rng = new Rng(7);
    const line = asPointerSamples([{ x: 20, y: 30 }, { x: 200, y: 240 }], rng, 0.1);
    const dot = [{ x: 50, y: 50 }];
    const tapped = [{ x: 90, y: 90 }, { x: 90, y: 90 }, { x: 90.1, y: 90 }];
    const simplified = simplifyStrokes([line, dot, tapped]);
    assert.equal(simplified.length, 3);
    assert.deepEqual(simplified[0], [line[0], line.at(-1)], 'a straight line keeps only its ends');
    assert.deepEqual(simplified[1], dot);
    assert.deepEqual(simplified[2]![0], tapped[0]);
    assert.ok(simplified[2]!.length >= 1 && simplified[2]!.length <= tapped.length);
  });

  test('keeps a corner that stands out from its chord by more than the tolerance', () => {
    const corner = [{ x: 0, y: 0 }, { x: 50, y: 0.4 }, { x: 100, y: 0 }, { x: 100, y: 100 }];
    assert.deepEqual(simplifyStrokes([corner])[0], [corner[0], corner[2], corner[3]]);
  });
});
