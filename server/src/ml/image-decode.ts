/**
 * Decoding the images people send: a base64 `data:` URL holding a PNG or a
 * JPEG becomes RGBA bytes for `preprocessRgba`. Everything is checked before
 * it costs memory: the URL's length, the magic bytes, and the dimensions
 * read from the header (a 100-byte PNG can claim to be 60,000 px wide).
 */
import { inflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { PreprocessError } from './preprocess/errors.js';
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from './preprocess/limits.js';

export interface DecodeLimits {
  /**
   * Most bytes of encoded image (after base64 decoding).
   * @default 8_388_608 // 8 MiB
   */
  maxEncodedBytes: number;
  /**
   * Longest side, in pixels.
   * @default 4096 // MAX_IMAGE_SIDE
   */
  maxSide: number;
  /**
   * Most pixels in total.
   * @default 16_777_216 // MAX_IMAGE_PIXELS, 4096 × 4096
   */
  maxPixels: number;
}

export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxEncodedBytes: 8 * 1024 * 1024,
  maxSide: MAX_IMAGE_SIDE,
  maxPixels: MAX_IMAGE_PIXELS,
});

export interface DecodedImage {
  /** `width × height × 4` bytes, row-major RGBA, upright (JPEG EXIF orientation applied). */
  rgba: Uint8Array;
  width: number;
  height: number;
}

type Format = 'png' | 'jpeg';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const MIME_FORMATS: Record<string, Format> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg' };
const FORMAT_NAMES: Record<Format, string> = { png: 'PNG', jpeg: 'JPEG' };
/** Longest `data:…;base64,` header accepted, in characters. */
const MAX_HEADER = 200;

const bad = (message: string): PreprocessError => new PreprocessError('BAD_USER_INPUT', message);
const tooLarge = (message: string): PreprocessError => new PreprocessError('PAYLOAD_TOO_LARGE', message);

/**
 * Decodes `data:image/png;base64,…` or `data:image/jpeg;base64,…`.
 *
 * @param limits - any subset of `DEFAULT_DECODE_LIMITS` to override.
 * @throws PreprocessError `BAD_USER_INPUT` for anything that is not a
 *   readable PNG or JPEG data URL (the message says what is wrong),
 *   `PAYLOAD_TOO_LARGE` when the encoded bytes or the dimensions exceed the
 *   limits.
 */
export function decodeDataUrl(dataUrl: string, limits: Partial<DecodeLimits> = {}): DecodedImage {
  const { maxEncodedBytes, maxSide, maxPixels } = { ...DEFAULT_DECODE_LIMITS, ...limits };
  if (typeof dataUrl !== 'string') {
    throw bad(`expects the image as a data URL string such as \`data:image/png;base64,…\`, got ${typeof dataUrl}`);
  }
  // Checked before any scanning, so a huge string costs nothing more.
  if (dataUrl.length > MAX_HEADER + Math.ceil(maxEncodedBytes / 3) * 4 + 1024) {
    throw tooLarge(`expects an image of at most ${formatBytes(maxEncodedBytes)}, got a data URL of ${dataUrl.length} characters`);
  }
  const comma = dataUrl.indexOf(',');
  const header = comma >= 0 && comma <= MAX_HEADER ? dataUrl.slice(0, comma) : '';
  if (!/^data:/i.test(header)) {
    throw bad(
      `expects the image as a data URL starting with \`data:image/png;base64,\` or \`data:image/jpeg;base64,\`, got ${JSON.stringify(dataUrl.slice(0, 24))}…`,
    );
  }
  const params = header.slice(5).split(';').map((p) => p.trim().toLowerCase());
  const mime = params[0] ?? '';
  const format = MIME_FORMATS[mime];
  if (!format) throw bad(`supports PNG and JPEG images only, got \`${mime || 'no media type'}\`; export the drawing as PNG`);
  if (params[params.length - 1] !== 'base64') {
    throw bad('expects the data URL to be base64-encoded: `data:image/png;base64,…`');
  }

  const bytes = decodeBase64(dataUrl.slice(comma + 1), maxEncodedBytes);
  const actual = sniff(bytes);
  if (actual !== format) {
    const what = actual ? `a ${FORMAT_NAMES[actual]}` : `neither PNG nor JPEG (it starts with ${hex(bytes.subarray(0, 8))})`;
    throw bad(`the data URL says \`${mime}\` but its data is ${what}; check the image`);
  }

  const size = format === 'png' ? pngSize(bytes) : jpegSize(bytes);
  if (size.width > maxSide || size.height > maxSide || size.width * size.height > maxPixels) {
    throw tooLarge(
      `expects an image of at most ${maxSide} px per side and ${maxPixels} pixels, got ${size.width} × ${size.height}; scale it down`,
    );
  }
  return format === 'png' ? decodePng(bytes, pngSize(bytes)) : decodeJpeg(bytes, maxPixels);
}

function decodeBase64(text: string, maxBytes: number): Uint8Array {
  const compact = /\s/.test(text) ? text.replace(/\s+/g, '') : text;
  const invalid = compact.search(/[^A-Za-z0-9+/=]/);
  const firstPad = compact.indexOf('=');
  if (invalid >= 0 || (firstPad >= 0 && !/^={1,2}$/.test(compact.slice(firstPad))) || compact.length % 4 === 1) {
    const at = invalid >= 0 ? ` at position ${invalid}` : '';
    throw bad(`the image's base64 data is malformed${at}; send the data URL exactly as the canvas or file reader produced it`);
  }
  const size = Math.floor((compact.length * 3) / 4) - (firstPad >= 0 ? compact.length - firstPad : 0);
  if (size > maxBytes) throw tooLarge(`expects an image of at most ${formatBytes(maxBytes)}, got ${formatBytes(size)}`);
  if (size === 0) throw bad('the data URL holds no image data');
  const buffer = Buffer.from(compact, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

function sniff(bytes: Uint8Array): Format | null {
  const starts = (magic: number[]): boolean => bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
  return starts(PNG_MAGIC) ? 'png' : starts(JPEG_MAGIC) ? 'jpeg' : null;
}

interface Size {
  width: number;
  height: number;
}

/** Dimensions from the IHDR chunk, which the PNG format requires first. */
function pngSize(bytes: Uint8Array): Size & { interlaced: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (bytes.length < 33 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') {
    throw bad('the PNG is truncated or malformed: it has no IHDR header');
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0) throw bad(`the PNG has an empty size, ${width} × ${height}`);
  return { width, height, interlaced: bytes[28] === 1 };
}

/** Dimensions from the first start-of-frame marker. */
function jpegSize(bytes: Uint8Array): Size {
  let o = 2;
  while (o + 4 <= bytes.length) {
    if (bytes[o] !== 0xff) throw bad('the JPEG is malformed: a marker is missing where one was expected');
    const marker = bytes[o + 1]!;
    if (marker === 0xff) {
      o++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) {
      o += 2; // markers without a length
      continue;
    }
    const length = (bytes[o + 2]! << 8) | bytes[o + 3]!;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (o + 9 > bytes.length) break;
      const height = (bytes[o + 5]! << 8) | bytes[o + 6]!;
      const width = (bytes[o + 7]! << 8) | bytes[o + 8]!;
      if (width === 0 || height === 0) throw bad(`the JPEG has an empty size, ${width} × ${height}`);
      return { width, height };
    }
    if (length < 2) throw bad('the JPEG is malformed: a segment has an impossible length');
    o += 2 + length;
  }
  throw bad('the JPEG is truncated or malformed: it has no frame header');
}

function decodePng(bytes: Uint8Array, size: Size & { interlaced: boolean }): DecodedImage {
  // pngjs bounds inflation by the image size except for interlaced images,
  // so those are inflated once here under a bound first (a deflate bomb
  // otherwise expands 1000-fold).
  if (size.interlaced) checkInflatedSize(bytes, size);
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  } catch (error) {
    throw bad(`the PNG could not be decoded (${reason(error)}); check the image`);
  }
  const data = png.data;
  return { rgba: new Uint8Array(data.buffer, data.byteOffset, data.length), width: png.width, height: png.height };
}

function checkInflatedSize(bytes: Uint8Array, size: Size): void {
  const chunks: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let o = 8; o + 8 <= bytes.length; ) {
    const length = view.getUint32(o);
    const type = String.fromCharCode(...bytes.subarray(o + 4, o + 8));
    if (type === 'IDAT') chunks.push(bytes.subarray(o + 8, Math.min(bytes.length, o + 8 + length)));
    if (type === 'IEND') break;
    o += 12 + length;
  }
  // 16-bit RGBA is the widest pixel (8 bytes); Adam7 adds at most one filter byte per row and pass.
  const bound = size.width * size.height * 8 + 7 * (size.height + 1) + 64;
  try {
    inflateSync(Buffer.concat(chunks), { maxOutputLength: bound });
  } catch (error) {
    throw bad(`the PNG could not be decoded (${reason(error)}); check the image`);
  }
}

function decodeJpeg(bytes: Uint8Array, maxPixels: number): DecodedImage {
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: maxPixels / 1e6,
      // Decoder buffers: a few bytes per pixel per component, plus slack.
      maxMemoryUsageInMB: Math.ceil((maxPixels * 16) / 2 ** 20) + 64,
    });
  } catch (error) {
    throw bad(`the JPEG could not be decoded (${reason(error)}); check the image`);
  }
  return applyOrientation({ rgba: image.data, width: image.width, height: image.height }, exifOrientation(bytes));
}

/**
 * The EXIF orientation (1–8) of a JPEG, 1 when absent. Phones store photos
 * sideways and set this tag; browsers honour it when showing the photo, so
 * the digit the person saw upright is only upright after applying it.
 */
export function exifOrientation(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let o = 2;
  while (o + 4 <= bytes.length && bytes[o] === 0xff) {
    const marker = bytes[o + 1]!;
    const length = view.getUint16(o + 2);
    if (marker === 0xda || length < 2) break; // image data starts: no more metadata
    if (marker === 0xe1 && length >= 16 && String.fromCharCode(...bytes.subarray(o + 4, o + 8)) === 'Exif') {
      const tiff = o + 10;
      if (tiff + 8 > bytes.length) return 1;
      const little = bytes[tiff] === 0x49;
      const ifd = tiff + view.getUint32(tiff + 4, little);
      if (ifd + 2 > bytes.length) return 1;
      const entries = view.getUint16(ifd, little);
      for (let e = 0; e < entries; e++) {
        const entry = ifd + 2 + 12 * e;
        if (entry + 12 > bytes.length) return 1;
        if (view.getUint16(entry, little) === 0x0112) {
          const value = view.getUint16(entry + 8, little);
          return value >= 1 && value <= 8 ? value : 1;
        }
      }
      return 1;
    }
    o += 2 + length;
  }
  return 1;
}

/** Rotates/flips decoded pixels as EXIF orientation `orientation` says (1 = as stored). */
export function applyOrientation(image: DecodedImage, orientation: number): DecodedImage {
  if (orientation <= 1 || orientation > 8) return image;
  const { rgba, width, height } = image;
  const transposed = orientation >= 5;
  const outWidth = transposed ? height : width;
  const outHeight = transposed ? width : height;
  const out = new Uint8Array(rgba.length);
  const aligned = rgba.byteOffset % 4 === 0 ? rgba : rgba.slice();
  const src = new Uint32Array(aligned.buffer, aligned.byteOffset, width * height);
  const dst = new Uint32Array(out.buffer);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      // Where output pixel (x, y) comes from in the stored image.
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2: [sx, sy] = [width - 1 - x, y]; break;
        case 3: [sx, sy] = [width - 1 - x, height - 1 - y]; break;
        case 4: [sx, sy] = [x, height - 1 - y]; break;
        case 5: [sx, sy] = [y, x]; break;
        case 6: [sx, sy] = [y, height - 1 - x]; break;
        case 7: [sx, sy] = [width - 1 - y, height - 1 - x]; break;
        default: [sx, sy] = [width - 1 - y, x]; break; // 8
      }
      dst[y * outWidth + x] = src[sy * width + sx]!;
    }
  }
  return { rgba: out, width: outWidth, height: outHeight };
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 120 ? `${message.slice(0, 117)}…` : message;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`;
}
