import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentBatch, strokeWidth } from './augment.js';
import { loadMnist, PIXELS } from './mnist.js';
import { Rng } from './rng.js';

const digits = loadMnist('train', 64).images;
const none = { maxShift: 0, maxRotation: 0, scale: [1, 1] as [number, number], aspect: 0, maxShear: 0, elastic: 0, strokeProbability: 0, identityProbability: 0 };

function centreOfMass(img: Float32Array): [number, number] {
  let m = 0, x = 0, y = 0;
  for (let i = 0; i < PIXELS; i++) {
    m += img[i];
    x += img[i] * (i % 28);
    y += img[i] * Math.floor(i / 28);
  }
  return [x / m, y / m];
}

test('is repeatable for a seed and differs between seeds', () => {
  const a = augmentBatch(digits, new Float32Array(digits.length), new Rng(1));
  const b = augmentBatch(digits, new Float32Array(digits.length), new Rng(1));
  const c = augmentBatch(digits, new Float32Array(digits.length), new Rng(2));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('keeps pixels in [0, 1], leaves the input alone and changes most images', () => {
  const copy = digits.slice();
  const out = augmentBatch(digits, new Float32Array(digits.length), new Rng(3));
  assert.deepEqual(digits, copy);
  assert.ok(out.every((v) => v >= 0 && v <= 1));
  let changed = 0;
  for (let i = 0; i < 64; i++) {
    const a = out.subarray(i * PIXELS, (i + 1) * PIXELS);
    const b = digits.subarray(i * PIXELS, (i + 1) * PIXELS);
    if (a.some((v, k) => Math.abs(v - b[k]) > 1e-3)) changed++;
  }
  assert.ok(changed > 48, `${changed} of 64 changed`);
});

test('is the identity with all ranges at zero', () => {
  const out = augmentBatch(digits, new Float32Array(digits.length), new Rng(4), none);
  for (let i = 0; i < digits.length; i++) assert.ok(Math.abs(out[i] - digits[i]) < 1e-5);
});

test('shifts the centre of mass by at most the largest shift', () => {
  const out = augmentBatch(digits, new Float32Array(digits.length), new Rng(5), { ...none, maxShift: 2 });
  let moved = 0;
  for (let i = 0; i < 64; i++) {
    const [x0, y0] = centreOfMass(digits.subarray(i * PIXELS, (i + 1) * PIXELS));
    const [x1, y1] = centreOfMass(out.subarray(i * PIXELS, (i + 1) * PIXELS));
    assert.ok(Math.abs(x1 - x0) <= 2.05 && Math.abs(y1 - y0) <= 2.05, `image ${i} moved (${x1 - x0}, ${y1 - y0})`);
    if (Math.hypot(x1 - x0, y1 - y0) > 0.5) moved++;
  }
  assert.ok(moved > 32);
});

test('thickens strokes with a positive width change and thins them with a negative one', () => {
  const src = digits.subarray(0, PIXELS);
  const ink = (img: Float32Array) => img.reduce((s, v) => s + v, 0);
  const thick = new Float32Array(PIXELS);
  const thin = new Float32Array(PIXELS);
  strokeWidth(src, thick, 1);
  strokeWidth(src, thin, -0.5);
  assert.ok(ink(thick) > ink(src) * 1.3);
  assert.ok(ink(thin) < ink(src) * 0.9);
});

test('gives an upright 1 a flag down to the left of its top when its label is given, and no other digit', () => {
  // A bar 3 px wide from row 4 to row 23: an American 1.
  const one = new Float32Array(PIXELS);
  for (let y = 4; y <= 23; y++) for (let x = 13; x <= 15; x++) one[y * 28 + x] = 1;
  const batch = new Float32Array(2 * PIXELS);
  batch.set(one, 0);
  batch.set(one, PIXELS);
  const flagOnly = { ...none, flagOnes: 1 };
  const out = augmentBatch(batch, new Float32Array(batch.length), new Rng(7), flagOnly, [1, 7]);
  const flagged = out.subarray(0, PIXELS);
  // The stem, wherever re-centring moved it: the fullest column of row 20.
  let stem = 0;
  for (let x = 1; x < 28; x++) if (flagged[20 * 28 + x] > flagged[20 * 28 + stem]) stem = x;
  const leftOfStem = (y0: number, y1: number) => {
    let ink = 0;
    for (let y = y0; y < y1; y++) for (let x = 0; x < stem - 1; x++) ink += flagged[y * 28 + x];
    return ink;
  };
  assert.ok(leftOfStem(0, 14) > 1.5, `a flag left of the top (${leftOfStem(0, 14)})`);
  assert.ok(leftOfStem(16, 28) < 0.5, 'nothing left of the foot');
  const [cx, cy] = centreOfMass(flagged);
  assert.ok(Math.abs(cx - 14) <= 0.5 && Math.abs(cy - 14) <= 0.5, `re-centred, at (${cx}, ${cy})`);
  assert.deepEqual(out.subarray(PIXELS), one, 'a 7-labelled image is left alone');
  assert.deepEqual(augmentBatch(batch, new Float32Array(batch.length), new Rng(7), flagOnly), batch, 'nothing without labels');
});
