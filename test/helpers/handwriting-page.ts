/**
 * A headless Chromium page with the handwriting fonts loaded, used as a
 * canvas: it renders digits into PNG and JPEG data URLs the way a browser
 * would export them, gives glyph masks for synthetic pen strokes, and draws
 * contact sheets of misclassified samples.
 *
 * The functions passed to `page.evaluate` run in the page and must not
 * refer to anything outside themselves. The server's tsconfig has no DOM
 * library, so the few canvas calls they make are typed by the interfaces
 * below.
 */
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../browser/harness.js';
import { readFontFile, type HandwritingFont } from './handwriting-fonts.js';

/** One image to render: a single character on a canvas, every random choice already made. */
export interface ImageSpec {
  /** Font family, as loaded by {@link HandwritingPage.open} (the font id). */
  family: string;
  text: string;
  /** Canvas size in px; ignored when `margin` is set. */
  width: number;
  height: number;
  /** CSS font size, px. */
  fontSize: number;
  /** Centre of the glyph's ink box on the canvas, px; ignored when `margin` is set. */
  cx: number;
  cy: number;
  /** Clockwise, degrees. */
  rotation: number;
  /**
   * When set, the canvas is cropped to the glyph's ink box plus this many px
   * on each side (a tight crop; `rotation` should then be 0).
   */
  margin?: number;
  /** Stroke width along the outline, px: > 0 thickens the glyph (faux bold), < 0 thins it. */
  weight: number;
  /** CSS colours; `paper` null leaves the canvas transparent around the ink. */
  ink: string;
  paper: string | null;
  /** Ruled paper: horizontal lines `spacing` px apart, `width` px wide, in `color`, under the ink. */
  rules?: { spacing: number; offset: number; width: number; color: string; /** Clockwise, degrees. */ angle: number };
  /** Uneven light: the far corner gets this share darker (0 = flat). */
  shade: number;
  /** Standard deviation of the Gaussian grain added to every channel, levels of 255. */
  noise: number;
  format: 'png' | 'jpeg';
  /** JPEG quality, 0–1. */
  quality?: number;
  /** Seeds the grain. */
  seed: number;
}

/** A glyph's coverage: `width × height` alpha bytes (0 paper … 255 ink), row-major. */
export interface GlyphMask {
  width: number;
  height: number;
  alpha: Uint8Array;
}

/** One cell of a contact sheet: the input as sent, the 28 × 28 the model saw, a caption. */
export interface SheetCell {
  image?: string;
  strokes?: { x: number; y: number }[][];
  canvas?: { width: number; height: number; lineWidth: number };
  /** 784 values in [0, 1], ink 1. */
  pixels: readonly number[];
  caption: string;
}

// ---- The page's canvas API, as far as the functions below use it. ----
interface TextMetricsLike {
  actualBoundingBoxLeft: number;
  actualBoundingBoxRight: number;
  actualBoundingBoxAscent: number;
  actualBoundingBoxDescent: number;
}
interface ImageDataLike {
  data: Uint8ClampedArray;
}
interface GradientLike {
  addColorStop(offset: number, color: string): void;
}
interface Context2D {
  fillStyle: string | GradientLike;
  strokeStyle: string;
  lineWidth: number;
  lineJoin: string;
  lineCap: string;
  font: string;
  textAlign: string;
  textBaseline: string;
  globalCompositeOperation: string;
  imageSmoothingEnabled: boolean;
  fillRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  strokeText(text: string, x: number, y: number): void;
  measureText(text: string): TextMetricsLike;
  save(): void;
  restore(): void;
  translate(x: number, y: number): void;
  rotate(radians: number): void;
  getImageData(x: number, y: number, w: number, h: number): ImageDataLike;
  putImageData(data: ImageDataLike, x: number, y: number): void;
  createImageData(w: number, h: number): ImageDataLike;
  createLinearGradient(x0: number, y0: number, x1: number, y1: number): GradientLike;
  drawImage(image: unknown, x: number, y: number, w?: number, h?: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  arc(x: number, y: number, r: number, a0: number, a1: number): void;
  stroke(): void;
  fill(): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
}
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): Context2D;
  toDataURL(type?: string, quality?: number): string;
}
interface PageGlobals {
  document: {
    createElement(tag: 'canvas'): CanvasLike;
    fonts: { add(face: unknown): void };
  };
  FontFace: new (family: string, source: string) => { load(): Promise<unknown> };
  Image: new () => { src: string; decode(): Promise<void>; width: number; height: number };
  btoa(binary: string): string;
}

/** Chromium and one page with the fonts loaded; `close()` it. */
export class HandwritingPage {
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
  ) {}

  /** Launches Chromium and loads `fonts` into a blank page under their ids as family names. */
  static async open(fonts: readonly HandwritingFont[]): Promise<HandwritingPage> {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(120_000);
      await page.setContent('<!doctype html><html><body></body></html>');
      const faces = fonts.map((font) => ({ family: font.id, base64: readFontFile(font).toString('base64') }));
      await page.evaluate(async (faces) => {
        const g = globalThis as unknown as PageGlobals;
        for (const { family, base64 } of faces) {
          const face = new g.FontFace(family, `url(data:font/woff2;base64,${base64})`);
          await face.load();
          g.document.fonts.add(face);
        }
      }, faces);
      return new HandwritingPage(browser, page);
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  /** Renders each spec to a data URL (`data:image/png;base64,...` or JPEG), in order. */
  async renderImages(specs: readonly ImageSpec[]): Promise<string[]> {
    const out: string[] = [];
    // Batches keep each message to Chromium to a few MB.
    for (let i = 0; i < specs.length; i += 64) out.push(...(await this.page.evaluate(renderInPage, specs.slice(i, i + 64))));
    return out;
  }

  /**
   * The coverage of `text` in `family`, `fontSize` px, black on transparent,
   * centred on a square canvas with room to spare.
   */
  async glyphMask(family: string, text: string, fontSize: number): Promise<GlyphMask> {
    const { width, height, base64 } = await this.page.evaluate(
      ({ family, text, fontSize }) => {
        const g = globalThis as unknown as PageGlobals;
        const canvas = g.document.createElement('canvas');
        canvas.width = canvas.height = Math.ceil(fontSize * 2);
        const ctx = canvas.getContext('2d');
        ctx.font = `${fontSize}px "${family}"`;
        const m = ctx.measureText(text);
        ctx.fillStyle = '#000';
        ctx.fillText(
          text,
          canvas.width / 2 - (m.actualBoundingBoxRight - m.actualBoundingBoxLeft) / 2,
          canvas.height / 2 + (m.actualBoundingBoxAscent - m.actualBoundingBoxDescent) / 2,
        );
        const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let binary = '';
        for (let i = 3; i < data.length; i += 4) binary += String.fromCharCode(data[i]!);
        return { width: canvas.width, height: canvas.height, base64: g.btoa(binary) };
      },
      { family, text, fontSize },
    );
    return { width, height, alpha: new Uint8Array(Buffer.from(base64, 'base64')) };
  }

  /** A PNG contact sheet: per cell the input (left), the model's 28 × 28 (right), the caption below. */
  async contactSheet(cells: readonly SheetCell[], columns = 8): Promise<Buffer> {
    const url = await this.page.evaluate(drawSheetInPage, { cells, columns });
    return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

/** Runs in the page: see {@link ImageSpec}. */
function renderInPage(specs: ImageSpec[]): string[] {
  const g = globalThis as unknown as PageGlobals;
  const results: string[] = [];
  for (const spec of specs) {
    const probe = g.document.createElement('canvas').getContext('2d');
    probe.font = `${spec.fontSize}px "${spec.family}"`;
    const m = probe.measureText(spec.text);
    const pad = Math.max(0, spec.weight) / 2;
    const inkWidth = m.actualBoundingBoxLeft + m.actualBoundingBoxRight + 2 * pad;
    const inkHeight = m.actualBoundingBoxAscent + m.actualBoundingBoxDescent + 2 * pad;
    let { width, height, cx, cy } = spec;
    if (spec.margin !== undefined) {
      width = Math.ceil(inkWidth + 2 * spec.margin);
      height = Math.ceil(inkHeight + 2 * spec.margin);
      cx = width / 2;
      cy = height / 2;
    }

    // The glyph on its own layer, so thinning erases ink and never paper.
    const layer = g.document.createElement('canvas');
    layer.width = width;
    layer.height = height;
    const lc = layer.getContext('2d');
    lc.translate(cx, cy);
    lc.rotate((spec.rotation * Math.PI) / 180);
    lc.font = probe.font;
    lc.fillStyle = spec.ink;
    lc.strokeStyle = spec.ink;
    lc.lineJoin = 'round';
    // Origin so that the ink box's centre sits at (0, 0).
    const x = (m.actualBoundingBoxLeft - m.actualBoundingBoxRight) / 2;
    const y = (m.actualBoundingBoxAscent - m.actualBoundingBoxDescent) / 2;
    lc.fillText(spec.text, x, y);
    if (spec.weight > 0) {
      lc.lineWidth = spec.weight;
      lc.strokeText(spec.text, x, y);
    } else if (spec.weight < 0) {
      lc.globalCompositeOperation = 'destination-out';
      lc.lineWidth = -spec.weight;
      lc.strokeText(spec.text, x, y);
    }

    const canvas = g.document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (spec.paper !== null) {
      ctx.fillStyle = spec.paper;
      ctx.fillRect(0, 0, width, height);
      if (spec.rules) {
        // The page may sit askew in a photo: its lines turn about the centre.
        ctx.save();
        ctx.translate(width / 2, height / 2);
        ctx.rotate((spec.rules.angle * Math.PI) / 180);
        ctx.fillStyle = spec.rules.color;
        const reach = width + height;
        for (let y = -reach + spec.rules.offset; y < reach; y += spec.rules.spacing) ctx.fillRect(-reach, y, 2 * reach, spec.rules.width);
        ctx.restore();
      }
    }
    ctx.drawImage(layer, 0, 0);
    if (spec.paper !== null && spec.shade > 0) {
      // Light falls off towards one corner; multiplying darkens paper and ink alike.
      const gradient = ctx.createLinearGradient(0, 0, width, height);
      const dark = Math.round(255 * (1 - spec.shade));
      gradient.addColorStop(0, '#fff');
      gradient.addColorStop(1, `rgb(${dark},${dark},${dark})`);
      ctx.globalCompositeOperation = 'multiply';
      ctx.fillStyle = gradient;
      ctx.fillRect(0, 0, width, height);
      ctx.globalCompositeOperation = 'source-over';
    }
    if (spec.paper !== null && spec.noise > 0) {
      // mulberry32 and Box–Muller: the same grain for the same seed.
      let state = spec.seed >>> 0;
      const uniform = (): number => {
        let t = (state = (state + 0x6d2b79f5) >>> 0);
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      const image = ctx.getImageData(0, 0, width, height);
      const data = image.data;
      for (let i = 0; i < data.length; i += 4) {
        const n = spec.noise * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
        data[i] = data[i]! + n;
        data[i + 1] = data[i + 1]! + n;
        data[i + 2] = data[i + 2]! + n;
      }
      ctx.putImageData(image, 0, 0);
    }
    results.push(spec.format === 'jpeg' ? canvas.toDataURL('image/jpeg', spec.quality ?? 0.92) : canvas.toDataURL('image/png'));
  }
  return results;
}

/** Runs in the page: see {@link HandwritingPage.contactSheet}. */
async function drawSheetInPage({ cells, columns }: { cells: readonly SheetCell[]; columns: number }): Promise<string> {
  const g = globalThis as unknown as PageGlobals;
  const side = 84;
  const cellWidth = 2 * side + 12;
  const cellHeight = side + 30;
  const rows = Math.max(1, Math.ceil(cells.length / columns));
  const canvas = g.document.createElement('canvas');
  canvas.width = columns * cellWidth;
  canvas.height = rows * cellHeight;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = false;
  for (let c = 0; c < cells.length; c++) {
    const cell = cells[c]!;
    const ox = (c % columns) * cellWidth + 4;
    const oy = Math.floor(c / columns) * cellHeight + 4;
    // The input, scaled to fit the left square on a checkerboard-free grey.
    ctx.fillStyle = '#ccc';
    ctx.fillRect(ox, oy, side, side);
    if (cell.image) {
      const img = new g.Image();
      img.src = cell.image;
      await img.decode();
      const s = side / Math.max(img.width, img.height);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(img, ox, oy, img.width * s, img.height * s);
      ctx.imageSmoothingEnabled = false;
    } else if (cell.strokes && cell.canvas) {
      const s = side / Math.max(cell.canvas.width, cell.canvas.height);
      ctx.fillStyle = '#fff';
      ctx.fillRect(ox, oy, cell.canvas.width * s, cell.canvas.height * s);
      ctx.strokeStyle = '#000';
      ctx.lineWidth = cell.canvas.lineWidth * s;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      for (const stroke of cell.strokes) {
        ctx.beginPath();
        stroke.forEach((p, i) => (i === 0 ? ctx.moveTo(ox + p.x * s, oy + p.y * s) : ctx.lineTo(ox + p.x * s, oy + p.y * s)));
        if (stroke.length === 1) ctx.lineTo(ox + stroke[0]!.x * s + 0.01, oy + stroke[0]!.y * s);
        ctx.stroke();
      }
    }
    // The 28 × 28 the model saw, 3 px per pixel, white ink on black.
    const pixels = ctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = Math.round(255 * cell.pixels[i]!);
      pixels.data[4 * i] = pixels.data[4 * i + 1] = pixels.data[4 * i + 2] = v;
      pixels.data[4 * i + 3] = 255;
    }
    const small = g.document.createElement('canvas');
    small.width = small.height = 28;
    small.getContext('2d').putImageData(pixels, 0, 0);
    ctx.drawImage(small, ox + side + 4, oy, side, side);
    ctx.fillStyle = '#000';
    ctx.font = '11px sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(cell.caption, ox, oy + side + 4);
  }
  return canvas.toDataURL('image/png');
}
