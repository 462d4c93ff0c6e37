import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdxFormatError, loadMnist, parseIdxImages, parseIdxLabels, countPerClass, PIXELS } from './mnist.js';

function header(...words: number[]): Uint8Array {
  const buf = new Uint8Array(4 * words.length);
  const view = new DataView(buf.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w, false));
  return buf;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test('parses a well-formed idx image file into [0, 1] pixels', () => {
  const pixels = new Uint8Array(2 * PIXELS);
  pixels[0] = 255;
  pixels[PIXELS + 1] = 51;
  const { images, count } = parseIdxImages(concat(header(2051, 2, 28, 28), pixels));
  assert.equal(count, 2);
  assert.equal(images.length, 2 * PIXELS);
  assert.equal(images[0], 1);
  assert.ok(Math.abs(images[PIXELS + 1] - 0.2) < 1e-7);
});

test('rejects an image file whose magic number is a label file', () => {
  assert.throws(() => parseIdxImages(concat(header(2049, 1, 28, 28), new Uint8Array(PIXELS)), 'x.idx'), (e: unknown) => {
    assert.ok(e instanceof IdxFormatError);
    assert.match(e.message, /x\.idx: magic number is 2049, expected 2051/);
    return true;
  });
});

test('rejects a truncated image file and says how many bytes the header promises', () => {
  const buf = concat(header(2051, 3, 28, 28), new Uint8Array(2 * PIXELS));
  assert.throws(() => parseIdxImages(buf), /header promises 3 images = 2368 bytes; the file is truncated/);
});

test('rejects a file shorter than its header', () => {
  assert.throws(() => parseIdxImages(new Uint8Array(7)), /shorter than its 16-byte idx header/);
  assert.throws(() => parseIdxLabels(new Uint8Array(3)), /shorter than its 8-byte idx header/);
});

test('rejects images that are not 28 by 28', () => {
  assert.throws(() => parseIdxImages(concat(header(2051, 1, 32, 32), new Uint8Array(1024))), /images are 32×32, expected 28×28/);
});

test('rejects a gzipped file with advice to gunzip it', () => {
  assert.throws(() => parseIdxLabels(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0])), /gzipped/);
});

test('parses labels and rejects a wrong magic number, a truncated file and a label above 9', () => {
  const { labels, count } = parseIdxLabels(concat(header(2049, 3), new Uint8Array([7, 0, 9])));
  assert.equal(count, 3);
  assert.deepEqual([...labels], [7, 0, 9]);
  assert.throws(() => parseIdxLabels(concat(header(2051, 1), new Uint8Array([1]))), /magic number is 2051, expected 2049/);
  assert.throws(() => parseIdxLabels(concat(header(2049, 4), new Uint8Array([1, 2]))), /truncated/);
  assert.throws(() => parseIdxLabels(concat(header(2049, 1), new Uint8Array([10]))), /label #0 is 10/);
});

test('loads the 60,000 training and 10,000 test digits with ink 1 on background 0', () => {
  const train = loadMnist('train');
  const test = loadMnist('test');
  assert.equal(train.count, 60_000);
  assert.equal(test.count, 10_000);
  assert.equal(train.images.length, 60_000 * PIXELS);
  assert.equal(test.labels.length, 10_000);
  // The first training digit is a 5 and the first test digit a 7, per the original files.
  assert.equal(train.labels[0], 5);
  assert.equal(test.labels[0], 7);
  // Borders are background and the digit has ink.
  const first = train.images.subarray(0, PIXELS);
  assert.equal(first[0], 0);
  assert.equal(Math.max(...first), 1);
  assert.deepEqual(countPerClass(test.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
});

test('caches a split and limits without copying', () => {
  const a = loadMnist('test');
  const b = loadMnist('test', 100);
  assert.equal(b.count, 100);
  assert.equal(b.images.buffer, a.images.buffer);
  assert.equal(loadMnist('test'), a);
  assert.throws(() => loadMnist('test', 0), /positive integer/);
});
