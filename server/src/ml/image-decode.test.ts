import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG, type ColorType } from 'pngjs';
import { applyOrientation, decodeDataUrl, exifOrientation } from './image-decode.js';
import { PreprocessError, preprocessRgba, type PreprocessErrorCode } from './preprocess/index.js';
import { meanAbsDiff, picture, placeStrokes, rasterise, SHAPES } from './preprocess/test-fixtures.js';

function assertRejects(run: () => unknown, code: PreprocessErrorCode, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof PreprocessError, `expected a PreprocessError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}

function pngBytes(rgba: Uint8Array, width: number, height: number, colorType: ColorType = 6): Buffer {
  const png = new PNG({ width, height, colorType, inputColorType: 6, inputHasAlpha: true } as never);
  png.data = Buffer.from(rgba);
  return PNG.sync.write(png, { colorType, inputColorType: 6, inputHasAlpha: true });
}

const pngUrl = (bytes: Uint8Array): string => `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
const jpegUrl = (bytes: Uint8Array): string => `data:image/jpeg;base64,${Buffer.from(bytes).toString('base64')}`;

function jpegBytes(rgba: Uint8Array, width: number, height: number, quality = 75, exifBuffer?: Buffer): Buffer {
  return jpeg.encode({ width, height, data: rgba, ...(exifBuffer ? { exifBuffer } : {}) } as never, quality).data;
}

/** An APP1 payload holding only an Orientation tag, little-endian TIFF. */
function exifWithOrientation(orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4); // IFD0 offset
  tiff.writeUInt16LE(1, 8); // one entry
  tiff.writeUInt16LE(0x0112, 10); // Orientation
  tiff.writeUInt16LE(3, 12); // SHORT
  tiff.writeUInt32LE(1, 14);
  tiff.writeUInt16LE(orientation, 18);
  tiff.writeUInt32LE(0, 22); // no next IFD
  return Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
}

const seven = placeStrokes(SHAPES.seven!, 40, 40, 200);

describe('decodeDataUrl', () => {
  it('decodes a PNG data URL into RGBA bytes', () => {
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 255, 1, 2, 3, 4, 200, 100, 50, 255]);
    const decoded = decodeDataUrl(pngUrl(pngBytes(rgba, 3, 2)));
    assert.equal(decoded.width, 3);
    assert.equal(decoded.height, 2);
    assert.deepEqual(Array.from(decoded.rgba), Array.from(rgba));
  });

  it('decodes greyscale and RGB PNGs as opaque RGBA', () => {
    const rgba = new Uint8Array([0, 0, 0, 255, 255, 255, 255, 255, 90, 90, 90, 255, 30, 30, 30, 255]);
    for (const colorType of [0, 2] as const) {
      const decoded = decodeDataUrl(pngUrl(pngBytes(rgba, 2, 2, colorType)));
      assert.deepEqual(Array.from(decoded.rgba), Array.from(rgba), `colour type ${colorType}`);
    }
  });

  it('accepts media type parameters, upper case and line breaks in the base64', () => {
    const bytes = pngBytes(rasterise(seven, 280, 280, 20), 280, 280);
    const base64 = Buffer.from(bytes).toString('base64').replace(/(.{76})/g, '$1\r\n');
    const decoded = decodeDataUrl(`DATA:Image/PNG;charset=binary;base64,${base64}`);
    assert.equal(decoded.width, 280);
  });

  it('decodes a JPEG whose preprocessing matches the PNG of the same drawing despite its artefacts', () => {
    const rgba = rasterise(seven, 280, 280, 20);
    const fromPng = decodeDataUrl(pngUrl(pngBytes(rgba, 280, 280)));
    const fromJpeg = decodeDataUrl(jpegUrl(jpegBytes(rgba, 280, 280, 30)));
    assert.equal(fromJpeg.width, 280);
    assert.equal(fromJpeg.height, 280);
    const a = preprocessRgba(fromPng.rgba, fromPng.width, fromPng.height);
    const b = preprocessRgba(fromJpeg.rgba, fromJpeg.width, fromJpeg.height);
    assert.ok(meanAbsDiff(a, b) < 0.03, `\n${picture(a)}\n${picture(b)}`);
  });

  it('preprocesses dark-on-light and light-on-dark PNGs of the same drawing to the same digit', () => {
    const decode = (ink: [number, number, number, number], paper: [number, number, number, number]) => {
      const { rgba, width, height } = decodeDataUrl(pngUrl(pngBytes(rasterise(seven, 280, 280, 20, ink, paper), 280, 280)));
      return preprocessRgba(rgba, width, height);
    };
    const darkOnLight = decode([10, 10, 10, 255], [245, 245, 245, 255]);
    const lightOnDark = decode([235, 235, 235, 255], [18, 18, 24, 255]);
    assert.ok(meanAbsDiff(darkOnLight, lightOnDark) < 0.01, `\n${picture(darkOnLight)}\n${picture(lightOnDark)}`);
  });

  it('preprocesses a transparent canvas PNG like the same drawing on white', () => {
    const reference = preprocessRgba(rasterise(seven, 280, 280, 20), 280, 280);
    for (const ink of [[0, 0, 0, 255], [255, 255, 255, 255], [30, 60, 200, 255]] as const) {
      const decoded = decodeDataUrl(pngUrl(pngBytes(rasterise(seven, 280, 280, 20, [...ink], [ink[0], ink[1], ink[2], 0]), 280, 280)));
      const image = preprocessRgba(decoded.rgba, decoded.width, decoded.height);
      assert.ok(meanAbsDiff(reference, image) < 0.01, `ink ${ink.join(',')}:\n${picture(image)}`);
    }
  });

  it('turns a JPEG upright as its EXIF orientation says', () => {
    // Stored 32 × 16: left half black, right half white. Orientation 6 means
    // "rotate 90° clockwise to display", which puts the left half on top.
    const stored = new Uint8Array(32 * 16 * 4);
    for (let i = 0; i < 32 * 16; i++) stored.fill(i % 32 < 16 ? 0 : 255, 4 * i, 4 * i + 3).fill(255, 4 * i + 3, 4 * i + 4);
    const bytes = jpegBytes(stored, 32, 16, 90, exifWithOrientation(6));
    assert.equal(exifOrientation(bytes), 6);
    const upright = decodeDataUrl(jpegUrl(bytes));
    assert.equal(upright.width, 16);
    assert.equal(upright.height, 32);
    assert.ok(upright.rgba[4 * (4 * 16 + 8)]! < 40, 'top is not black');
    assert.ok(upright.rgba[4 * (28 * 16 + 8)]! > 215, 'bottom is not white');
    assert.equal(exifOrientation(jpegBytes(stored, 32, 16)), 1);
  });

  it('maps every EXIF orientation to the right flip or rotation', () => {
    // Stored 3 × 2, pixels numbered 1..6 row by row (in the red byte).
    const stored = new Uint8Array(6 * 4);
    for (let i = 0; i < 6; i++) stored[4 * i] = i + 1;
    const expected: Record<number, number[]> = {
      1: [1, 2, 3, 4, 5, 6],
      2: [3, 2, 1, 6, 5, 4],
      3: [6, 5, 4, 3, 2, 1],
      4: [4, 5, 6, 1, 2, 3],
      5: [1, 4, 2, 5, 3, 6],
      6: [4, 1, 5, 2, 6, 3],
      7: [6, 3, 5, 2, 4, 1],
      8: [3, 6, 2, 5, 1, 4],
    };
    for (const [orientation, reds] of Object.entries(expected)) {
      const out = applyOrientation({ rgba: stored, width: 3, height: 2 }, Number(orientation));
      assert.deepEqual([out.width, out.height], Number(orientation) >= 5 ? [2, 3] : [3, 2]);
      assert.deepEqual(Array.from({ length: 6 }, (_, i) => out.rgba[4 * i]), reds, `orientation ${orientation}`);
    }
  });

  it('rejects what is not a PNG or JPEG data URL with BAD_USER_INPUT and a message that says why', () => {
    const png = pngBytes(rasterise(seven, 64, 64, 6), 64, 64);
    const jpg = jpegBytes(rasterise(seven, 64, 64, 6), 64, 64);
    const corrupt = Buffer.from(png);
    for (let i = 60; i < corrupt.length - 20; i += 7) corrupt[i] ^= 0x5a;
    const cases: [unknown, RegExp][] = [
      [42, /data URL string.*got number/],
      ['hello', /data URL starting with `data:image\/png;base64,`.*got "hello"/],
      ['data:image/gif;base64,R0lGODlhAQABAAAAACw=', /PNG and JPEG images only, got `image\/gif`/],
      ['data:image/png,rawbytes', /base64-encoded/],
      ['data:image/png;base64,iVBOR$w0K', /base64 data is malformed at position 5/],
      ['data:image/png;base64,', /no image data/],
      [pngUrl(Buffer.from('GIF89a not really a png at all')), /says `image\/png` but its data is neither PNG nor JPEG \(it starts with 47 49 46 38/],
      [pngUrl(jpg), /says `image\/png` but its data is a JPEG/],
      [jpegUrl(png), /says `image\/jpeg` but its data is a PNG/],
      [pngUrl(png.subarray(0, 20)), /PNG is truncated or malformed/],
      [pngUrl(corrupt), /PNG could not be decoded/],
      [jpegUrl(jpg.subarray(0, 12)), /JPEG is truncated or malformed/],
    ];
    for (const [input, message] of cases) assertRejects(() => decodeDataUrl(input as string), 'BAD_USER_INPUT', message);
  });

  it('rejects images over the limits with PAYLOAD_TOO_LARGE before decoding them', () => {
    const png = pngBytes(rasterise(seven, 300, 20, 6), 300, 20);
    assertRejects(() => decodeDataUrl(pngUrl(png), { maxEncodedBytes: 100 }), 'PAYLOAD_TOO_LARGE', /at most 100 bytes, got/);
    assertRejects(() => decodeDataUrl(pngUrl(png), { maxSide: 256 }), 'PAYLOAD_TOO_LARGE', /at most 256 px per side.*got 300 × 20/);
    assertRejects(() => decodeDataUrl(pngUrl(png), { maxPixels: 5000 }), 'PAYLOAD_TOO_LARGE', /5000 pixels, got 300 × 20/);
    assertRejects(() => decodeDataUrl(`data:image/png;base64,${'A'.repeat(12_000_000)}`), 'PAYLOAD_TOO_LARGE', /at most 8\.0 MiB/);
    // A header claiming 60,000 × 60,000 px is refused without allocating anything.
    const forged = Buffer.from(png);
    forged.writeUInt32BE(60_000, 16);
    forged.writeUInt32BE(60_000, 20);
    assertRejects(() => decodeDataUrl(pngUrl(forged)), 'PAYLOAD_TOO_LARGE', /got 60000 × 60000/);
    const jpg = Buffer.from(jpegBytes(rasterise(seven, 64, 64, 6), 64, 64));
    const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
    jpg.writeUInt16BE(50_000, sof + 5);
    assertRejects(() => decodeDataUrl(jpegUrl(jpg)), 'PAYLOAD_TOO_LARGE', /got 64 × 50000/);
  });

  it('refuses an interlaced PNG whose data inflates far beyond its size', () => {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(8, 0);
    ihdr.writeUInt32BE(8, 4);
    ihdr.set([8, 6, 0, 0, 1], 8); // 8-bit RGBA, interlaced
    const chunk = (type: string, data: Buffer): Buffer => {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(data.length, 0);
      head.write(type, 4, 'latin1');
      return Buffer.concat([head, data, Buffer.alloc(4)]);
    };
    const bomb = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(Buffer.alloc(64 * 1024 * 1024))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    assertRejects(() => decodeDataUrl(pngUrl(bomb)), 'BAD_USER_INPUT', /PNG could not be decoded/);
  });
});
