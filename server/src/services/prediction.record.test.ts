import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asStoredReal } from './prediction.record.js';

/** The definition: the fewest significant digits whose decimal reads back as the same float32. */
function shortestFloat4(value: number): number {
  const single = Math.fround(value);
  if (single === 0 || !Number.isFinite(single)) return single;
  for (let digits = 1; digits <= 9; digits++) {
    const decimal = Number(single.toPrecision(digits));
    if (Math.fround(decimal) === single) return decimal;
  }
  throw new Error(`no decimal of at most 9 digits reads back as ${single}`);
}

test('asStoredReal gives the shortest decimal that reads back as the same float4, for probabilities of every size', () => {
  const bits = new Uint32Array(1);
  const float = new Float32Array(bits.buffer);
  let seed = 12345;
  const values = [1, 0.5, 0.1, 1e-7, 0.999999, 1.0000001, 3.4e38, 1.4e-45, 2 ** -126];
  for (let i = 0; i < 100_000; i++) {
    seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
    // Random float32 bit patterns in (0, 1]: exponents from the subnormals up, every mantissa.
    bits[0] = seed % 0x3f800001;
    values.push(float[0]!, Math.random());
  }
  for (const value of values) {
    const stored = asStoredReal(value);
    assert.equal(Math.fround(stored), Math.fround(value), `${value} reads back`);
    assert.equal(stored, shortestFloat4(value), `${value} is as short as it can be`);
  }
});

test('asStoredReal keeps 0 and non-finite values as they are', () => {
  assert.equal(asStoredReal(0), 0);
  assert.ok(Number.isNaN(asStoredReal(Number.NaN)));
  assert.equal(asStoredReal(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
});
