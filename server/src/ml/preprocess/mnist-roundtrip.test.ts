/**
 * Generality checks against real MNIST digits: writing a digit out as an
 * image (any size, either polarity) or redrawing it as strokes and sending it
 * back through preprocessing must give back something close to MNIST itself,
 * since that is what the classifier was trained on.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadMnist, type MnistData } from '../mnist.js';
import { COM_TARGET, preprocessRgba, preprocessStrokes } from './index.js';
import { centreOfMassIndex, meanAbsDiff, paint, picture, skeletonStrokes, upscale, widthOf } from './test-fixtures.js';

const DIGITS = 200;

describe('MNIST round trip', () => {
  let mnist: MnistData;
  before(() => {
    mnist = loadMnist('test', DIGITS);
  });
  const digit = (k: number): Float32Array => mnist.images.subarray(k * 784, (k + 1) * 784);

  it("puts MNIST's own centre of mass where the frame's convention says, (14, 14) within half a pixel", () => {
    let sx = 0;
    let sy = 0;
    for (let k = 0; k < DIGITS; k++) {
      const com = centreOfMassIndex(digit(k));
      assert.ok(Math.abs(com.x - COM_TARGET) <= 0.55 && Math.abs(com.y - COM_TARGET) <= 0.55, `digit ${k}: (${com.x}, ${com.y})`);
      sx += com.x;
      sy += com.y;
    }
    assert.ok(Math.abs(sx / DIGITS - COM_TARGET) < 0.1 && Math.abs(sy / DIGITS - COM_TARGET) < 0.1);
  });

  it('gives back the original digits from images of them at 1×, 3× and 10×, dark on light and light on dark', () => {
    for (const factor of [1, 3, 10]) {
      for (const polarity of ['dark on light', 'light on dark'] as const) {
        const side = 28 * factor;
        const ink: [number, number, number, number] = polarity === 'dark on light' ? [0, 0, 0, 255] : [255, 255, 255, 255];
        const paper: [number, number, number, number] = polarity === 'dark on light' ? [255, 255, 255, 255] : [0, 0, 0, 255];
        let total = 0;
        for (let k = 0; k < DIGITS; k += factor === 10 ? 2 : 1) {
          const result = preprocessRgba(paint(upscale(digit(k), factor), ink, paper), side, side);
          const diff = meanAbsDiff(result, digit(k));
          // One pixel of centring ambiguity (MNIST rounds its shift) is the most allowed.
          assert.ok(diff < 0.12, `${factor}×, ${polarity}, digit ${k}: ${diff.toFixed(3)}\n${picture(digit(k))}\n${picture(result)}`);
          total += diff;
        }
        const mean = total / (factor === 10 ? DIGITS / 2 : DIGITS);
        assert.ok(mean < 0.025, `${factor}×, ${polarity}: mean difference ${mean.toFixed(4)}`);
      }
    }
  });

  it('gives back digits close to the originals when their centre lines are redrawn as strokes, at MNIST thickness', () => {
    let total = 0;
    let widths = 0;
    let count = 0;
    for (let k = 0; k < DIGITS; k++) {
      const strokes = skeletonStrokes(digit(k), 10);
      const result = preprocessStrokes(strokes, { width: 280, height: 280 });
      total += meanAbsDiff(result, digit(k));
      widths += widthOf(result);
      count++;
    }
    // Redrawing from a thinned skeleton loses the stroke ends and the writer's
    // varying width, so the bound is looser than for images.
    assert.ok(total / count < 0.075, `mean difference ${(total / count).toFixed(4)}`);
    // MNIST's median 2 · area / perimeter is 2.40.
    const width = widths / count;
    assert.ok(width > 2.1 && width < 2.7, `mean stroke width ${width.toFixed(2)}`);
  });
});
