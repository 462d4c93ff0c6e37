import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  COM_TARGET,
  MAX_CANVAS_SIDE,
  MAX_POINTS,
  MAX_STROKES,
  MNIST_PEN_MAX,
  MNIST_PEN_MEDIAN,
  MNIST_PEN_MIN,
  PreprocessError,
  preprocessPixels,
  preprocessRgba,
  preprocessStrokes,
  type PreprocessErrorCode,
} from './index.js';
import { IMAGE_PEN_MAX, IMAGE_PEN_MIN } from './thickness.js';
import {
  centreOfMassIndex,
  ellipse,
  inkExtent,
  meanAbsDiff,
  paint,
  picture,
  placeStrokes,
  rasterise,
  SHAPES,
  widthOf,
  type Strokes,
} from './test-fixtures.js';

/** Asserts that `run` throws a PreprocessError with `code` and a message matching `message`. */
function assertRejects(run: () => unknown, code: PreprocessErrorCode, message?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof PreprocessError, `expected a PreprocessError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** The MNIST-geometry checks every result must pass. */
function assertMnistGeometry(image: Float32Array, label: string): void {
  assert.equal(image.length, 784);
  for (const v of image) assert.ok(Number.isFinite(v) && v >= 0 && v <= 1, `${label}: value ${v} outside [0, 1]`);
  const extent = inkExtent(image);
  const art = `\n${picture(image)}`;
  assert.ok(extent.width <= 20 && extent.height <= 20, `${label}: ink spans ${extent.width} × ${extent.height}${art}`);
  assert.ok(Math.max(extent.width, extent.height) >= 19, `${label}: longer side only ${Math.max(extent.width, extent.height)}${art}`);
  const com = centreOfMassIndex(image);
  assert.ok(
    Math.abs(com.x - COM_TARGET) <= 0.5 && Math.abs(com.y - COM_TARGET) <= 0.5,
    `${label}: centre of mass at (${com.x.toFixed(2)}, ${com.y.toFixed(2)})${art}`,
  );
}

const canvas = (width: number, height = width, lineWidth?: number) => ({ width, height, ...(lineWidth ? { lineWidth } : {}) });

describe('preprocessStrokes', () => {
  const drawings: [string, Strokes, { width: number; height: number; lineWidth?: number }][] = [];
  for (const [name, shape] of Object.entries(SHAPES)) {
    drawings.push([`${name} on 280 × 280`, placeStrokes(shape, 40, 40, 200), canvas(280, 280, 18)]);
    drawings.push([`${name} small in a corner of 1000 × 600`, placeStrokes(shape, 820, 20, 90), canvas(1000, 600, 6)]);
    drawings.push([`${name} on a 40 px canvas, no lineWidth`, placeStrokes(shape, 5, 5, 30), canvas(40)]);
  }

  it('fits the ink into 20 px on its longer side and centres its mass on (14, 14) within half a pixel', () => {
    for (const [label, strokes, opts] of drawings) assertMnistGeometry(preprocessStrokes(strokes, opts), label);
  });

  it('places the centre of mass within 0.05 px of (14, 14), since strokes render at sub-pixel positions', () => {
    for (const [label, strokes, opts] of drawings) {
      const com = centreOfMassIndex(preprocessStrokes(strokes, opts));
      assert.ok(Math.hypot(com.x - COM_TARGET, com.y - COM_TARGET) < 0.05, `${label}: (${com.x}, ${com.y})`);
    }
  });

  it('keeps the aspect ratio: a tall 1 stays a narrow bar and a wide shape stays wide', () => {
    const one = inkExtent(preprocessStrokes(placeStrokes(SHAPES.one!, 40, 40, 200), canvas(280, 280, 20)));
    assert.ok(one.height >= 19, `a 1 is ${one.height} px tall`);
    assert.ok(one.width <= 4, `a 1 is ${one.width} px wide`);
    // Centre line 0.9 × 0.2 of the box: 20 px wide, (20 - pen) · 0.2 + pen tall.
    const wide = inkExtent(preprocessStrokes(placeStrokes(SHAPES.wide!, 40, 40, 200), canvas(280, 280, 10)));
    assert.ok(wide.width >= 19, `the wide shape is ${wide.width} px wide`);
    assert.ok(wide.height >= 5 && wide.height <= 8, `the wide shape is ${wide.height} px tall`);
    const ellipse2to1 = inkExtent(preprocessStrokes([ellipse(140, 140, 100, 50)], canvas(280, 280, 2)));
    assert.ok(Math.abs(ellipse2to1.height - 11) <= 1, `a 2:1 ellipse is ${ellipse2to1.width} × ${ellipse2to1.height}`);
  });

  it("draws strokes MNIST's thickness whatever the canvas size and pen width", () => {
    for (const side of [50, 280, 1000, MAX_CANVAS_SIDE]) {
      for (const penShare of [0.002, 0.02, 0.07, 0.2, 0.5]) {
        const lineWidth = Math.max(0.5, penShare * side);
        // A vertical 1: the middle row's ink is the pen's width.
        const one = preprocessStrokes(placeStrokes(SHAPES.one!, 0.1 * side, 0.1 * side, 0.8 * side), canvas(side, side, lineWidth));
        const row = one.subarray(14 * 28, 15 * 28).reduce((a, v) => a + v, 0);
        assert.ok(row >= MNIST_PEN_MIN - 0.05 && row <= MNIST_PEN_MAX + 0.05, `canvas ${side}, pen ${lineWidth}: a 1 is ${row.toFixed(2)} px thick`);
        const zero = preprocessStrokes(placeStrokes(SHAPES.zero!, 0.1 * side, 0.1 * side, 0.8 * side), canvas(side, side, lineWidth));
        const width = widthOf(zero);
        assert.ok(width >= 1.5 && width <= 3.9, `canvas ${side}, pen ${lineWidth}: a 0's strokes are ${width.toFixed(2)} px`);
      }
    }
  });

  it("keeps the writer's own thickness inside MNIST's range and uses the median when lineWidth is absent", () => {
    const thickness = (lineWidth?: number): number =>
      preprocessStrokes(placeStrokes(SHAPES.one!, 40, 40, 200), canvas(280, 280, lineWidth))
        .subarray(14 * 28, 15 * 28)
        .reduce((a, v) => a + v, 0);
    // 180 px of centre line with a 24 px pen: 24 · 20 / 204 = 2.35 px.
    assert.ok(Math.abs(thickness(24) - 2.35) < 0.1, `${thickness(24)}`);
    assert.ok(thickness(30) > thickness(20));
    assert.ok(Math.abs(thickness() - MNIST_PEN_MEDIAN) < 0.1, `${thickness()}`);
  });

  it('gives a tiny drawing the same result as a large one', () => {
    for (const [name, shape] of Object.entries(SHAPES)) {
      const large = preprocessStrokes(placeStrokes(shape, 40, 40, 200), canvas(280, 280, 20));
      const tiny = preprocessStrokes(placeStrokes(shape, 500, 300, 10), canvas(1000, 1000, 1));
      assert.ok(meanAbsDiff(large, tiny) < 0.01, `${name}:\n${picture(large)}\n${picture(tiny)}`);
    }
  });

  it('renders a one-point stroke as a dot', () => {
    const withDot = preprocessStrokes([...placeStrokes(SHAPES.one!, 40, 60, 200), [{ x: 140, y: 35 }]], canvas(280, 280, 16));
    const without = preprocessStrokes(placeStrokes(SHAPES.one!, 40, 60, 200), canvas(280, 280, 16));
    assert.ok(meanAbsDiff(withDot, without) > 0.005, 'the dot changed nothing');
    const top = withDot.findIndex((v) => v > 0);
    const dotRow = withDot.subarray(Math.floor(top / 28) * 28, Math.floor(top / 28) * 28 + 28).reduce((a, v) => a + v, 0);
    assert.ok(dotRow > 0.5, `no dot above the 1:\n${picture(withDot)}`);
  });

  it('ignores stray dots far from the digit instead of shrinking the digit to fit them', () => {
    const seven = placeStrokes(SHAPES.seven!, 60, 60, 160);
    const clean = preprocessStrokes(seven, canvas(280, 280, 14));
    const specks = [[{ x: 270, y: 275 }], [{ x: 5, y: 8 }, { x: 7, y: 9 }], [{ x: 265, y: 20 }]];
    const noisy = preprocessStrokes([...seven, ...specks], canvas(280, 280, 14));
    assert.ok(meanAbsDiff(clean, noisy) < 1e-6, `\n${picture(clean)}\n${picture(noisy)}`);
  });

  it('keeps a detached part of the digit that carries real ink', () => {
    // A 5 whose top bar was drawn apart from the body.
    const body = [...ellipse(140, 180, 70, 60, 60).slice(38), ...ellipse(140, 180, 70, 60, 60).slice(0, 24)];
    const five = [[{ x: 95, y: 40 }, { x: 200, y: 40 }], [{ x: 95, y: 70 }, { x: 95, y: 130 }, ...body.slice(0, 1)], body];
    const image = preprocessStrokes(five, canvas(280, 280, 14));
    assertMnistGeometry(image, 'five');
    const bodyOnly = preprocessStrokes(five.slice(1), canvas(280, 280, 14));
    assert.ok(meanAbsDiff(image, bodyOnly) > 0.02, 'the bar was dropped');
  });

  it('clips strokes to the canvas, as the person saw them', () => {
    const inside = preprocessStrokes([[{ x: 40, y: 20 }, { x: 40, y: 260 }], [{ x: 40, y: 20 }, { x: 100, y: 20 }]], canvas(280, 280, 10));
    const outside = preprocessStrokes(
      [[{ x: 40, y: 20 }, { x: 40, y: 260 }], [{ x: 40, y: 20 }, { x: 100, y: 20 }], [{ x: 300, y: 100 }, { x: 5000, y: -3000 }, { x: 1e300, y: -1e300 }]],
      canvas(280, 280, 10),
    );
    assert.deepEqual(outside, inside);
  });

  it('rejects an empty drawing with EMPTY_DRAWING', () => {
    assertRejects(() => preprocessStrokes([], canvas(280)), 'EMPTY_DRAWING');
    assertRejects(() => preprocessStrokes([[], []], canvas(280)), 'EMPTY_DRAWING');
    assertRejects(() => preprocessStrokes([[{ x: 500, y: 500 }, { x: 600, y: 400 }]], canvas(280)), 'EMPTY_DRAWING');
    assertRejects(() => preprocessStrokes([[{ x: 100, y: 100 }]], canvas(280, 280, 20)), 'EMPTY_DRAWING', /dot/);
    const jitter = [[{ x: 100, y: 100 }, { x: 101, y: 100.5 }, { x: 100, y: 101 }], [{ x: 100, y: 100 }]];
    assertRejects(() => preprocessStrokes(jitter, canvas(280, 280, 20)), 'EMPTY_DRAWING', /dot/);
  });

  it('rejects malformed strokes with BAD_USER_INPUT and says what to fix', () => {
    const ok = [[{ x: 10, y: 10 }, { x: 100, y: 200 }]];
    const cases: [string, () => unknown, RegExp][] = [
      ['NaN x', () => preprocessStrokes([[{ x: 10, y: 10 }, { x: NaN, y: 5 }]], canvas(280)), /`strokes\[0\]\[1\]\.x` to be a finite number, got NaN/],
      ['Infinity y', () => preprocessStrokes([[{ x: 10, y: Infinity }]], canvas(280)), /`strokes\[0\]\[0\]\.y` to be a finite number, got Infinity/],
      ['string x', () => preprocessStrokes([[{ x: '3', y: 1 }]] as never, canvas(280)), /finite number, got "3"/],
      ['missing y', () => preprocessStrokes([[{ x: 3 }]] as never, canvas(280)), /`strokes\[0\]\[0\]\.y`/],
      ['point not an object', () => preprocessStrokes([[null]] as never, canvas(280)), /`strokes\[0\]\[0\]` to be a point/],
      ['stroke not an array', () => preprocessStrokes([{}] as never, canvas(280)), /`strokes\[0\]` to be an array of points/],
      ['strokes not an array', () => preprocessStrokes('x' as never, canvas(280)), /`strokes` to be an array/],
      ['width 0', () => preprocessStrokes(ok, canvas(0, 280)), /`width` to be a number of canvas pixels above 0 and at most 4096, got 0/],
      ['negative height', () => preprocessStrokes(ok, { width: 280, height: -5 }), /`height`.*got -5/],
      ['huge width', () => preprocessStrokes(ok, canvas(MAX_CANVAS_SIDE + 1, 280)), /`width`.*got 4097/],
      ['NaN height', () => preprocessStrokes(ok, { width: 280, height: NaN }), /`height`.*got NaN/],
      ['zero lineWidth', () => preprocessStrokes(ok, { width: 280, height: 280, lineWidth: 0 }), /`lineWidth`/],
      ['canvas not an object', () => preprocessStrokes(ok, null as never), /canvas to be an object/],
      [
        'too many points',
        () => preprocessStrokes([Array.from({ length: MAX_POINTS + 1 }, (_, i) => ({ x: i % 280, y: 5 }))], canvas(280)),
        /at most 10000 points over all strokes, got 10001/,
      ],
      [
        'too many strokes',
        () => preprocessStrokes(Array.from({ length: MAX_STROKES + 1 }, () => [{ x: 1, y: 1 }]), canvas(280)),
        /at most 500 strokes, got 501/,
      ],
    ];
    for (const [label, run, message] of cases) {
      assert.doesNotThrow(() => {
        assertRejects(run, 'BAD_USER_INPUT', message);
      }, label);
    }
  });
});

describe('preprocessRgba', () => {
  const seven = placeStrokes(SHAPES.seven!, 40, 40, 200);
  const four = placeStrokes(SHAPES.four!, 40, 40, 200);

  it('matches the strokes path for a rendered drawing, dark ink on white', () => {
    for (const [name, strokes] of [['seven', seven], ['four', four]] as const) {
      const fromStrokes = preprocessStrokes(strokes, canvas(280, 280, 20));
      const fromImage = preprocessRgba(rasterise(strokes, 280, 280, 20), 280, 280);
      assertMnistGeometry(fromImage, name);
      assert.ok(meanAbsDiff(fromStrokes, fromImage) < 0.03, `${name}:\n${picture(fromStrokes)}\n${picture(fromImage)}`);
    }
  });

  it('detects polarity: light ink on dark gives the same result as dark ink on light', () => {
    const dark = preprocessRgba(rasterise(seven, 280, 280, 20, [20, 20, 30, 255], [250, 250, 240, 255]), 280, 280);
    const light = preprocessRgba(rasterise(seven, 280, 280, 20, [240, 240, 255, 255], [25, 25, 35, 255]), 280, 280);
    assert.ok(meanAbsDiff(dark, light) < 0.01, `\n${picture(dark)}\n${picture(light)}`);
    // Bold strokes that cover most of the image must not flip the polarity.
    const bold = preprocessRgba(rasterise(placeStrokes(SHAPES.zero!, 20, 20, 240), 280, 280, 70), 280, 280);
    assert.ok(bold[14 * 28 + 14]! < 0.05, `the inside of a bold 0 became ink:\n${picture(bold)}`);
  });

  it('composites transparent backgrounds: black or white ink on a transparent canvas both work', () => {
    const reference = preprocessRgba(rasterise(seven, 280, 280, 20), 280, 280);
    const blackOnClear = preprocessRgba(rasterise(seven, 280, 280, 20, [0, 0, 0, 255], [0, 0, 0, 0]), 280, 280);
    const whiteOnClear = preprocessRgba(rasterise(seven, 280, 280, 20, [255, 255, 255, 255], [255, 255, 255, 0]), 280, 280);
    assert.ok(meanAbsDiff(reference, blackOnClear) < 0.01, picture(blackOnClear));
    assert.ok(meanAbsDiff(reference, whiteOnClear) < 0.01, picture(whiteOnClear));
  });

  it('crops margins: a small digit in a corner of a large image comes out like a centred one', () => {
    const centred = preprocessRgba(rasterise(seven, 280, 280, 20), 280, 280);
    const corner = preprocessRgba(rasterise(placeStrokes(SHAPES.seven!, 700, 30, 100), 900, 500, 10), 900, 500);
    assert.ok(meanAbsDiff(centred, corner) < 0.02, `\n${picture(centred)}\n${picture(corner)}`);
  });

  it('reads a digit cropped to its ink (a tight crop, a thumbnail) like the same digit with margins', () => {
    // An 8 crosses nearly every block of a small image, so the blocks' spread
    // measures its edges rather than the paper's grain.
    const eight = [ellipse(0.5, 0.27, 0.2, 0.22), ellipse(0.5, 0.72, 0.25, 0.25)];
    const withMargins = preprocessRgba(rasterise(placeStrokes(eight, 80, 80, 120), 280, 280, 12), 280, 280);
    // Ink spans 27 × 44 px of a 29 × 46 image: 1 px is left around it.
    const tight = preprocessRgba(rasterise(placeStrokes(eight, -7.6, 1.4, 40), 29, 46, 4.8), 29, 46);
    assertMnistGeometry(tight, 'tight crop');
    assert.ok(meanAbsDiff(withMargins, tight) < 0.06, `\n${picture(withMargins)}\n${picture(tight)}`);
    // The same pen for its size as a marker on the large image.
    const boldWithMargins = preprocessRgba(rasterise(placeStrokes(eight, 80, 80, 120), 280, 280, 28), 280, 280);
    const thumbnail = preprocessRgba(rasterise(placeStrokes(eight, -3, 1, 30), 32, 32, 7), 32, 32);
    assertMnistGeometry(thumbnail, 'thumbnail');
    assert.ok(meanAbsDiff(boldWithMargins, thumbnail) < 0.06, `\n${picture(boldWithMargins)}\n${picture(thumbnail)}`);
  });

  it('clears the lines of ruled paper, even 2° askew, and keeps the writing that crosses them', () => {
    /** `strokes` in dark ink over blue rules every 34 px, 2° askew, and a red margin line. */
    const onRuledPaper = (strokes: Strokes, lineWidth: number): Uint8Array => {
      const rendered = rasterise(strokes, 280, 280, lineWidth);
      const tilt = Math.tan((2 * Math.PI) / 180);
      const page = new Uint8Array(280 * 280 * 4);
      for (let y = 0; y < 280; y++) {
        for (let x = 0; x < 280; x++) {
          const i = y * 280 + x;
          const along = y - (x - 140) * tilt;
          const rule = Math.min(1, Math.max(0, 1.5 - Math.abs(along - 34 * Math.round(along / 34))));
          const margin = Math.min(1, Math.max(0, 1.5 - Math.abs(x - 30)));
          const paper = [250, 250, 245].map((p, c) => p * (1 - rule) + [160, 190, 235][c]! * rule);
          const lined = paper.map((p, c) => p * (1 - margin) + [235, 150, 150][c]! * margin);
          const ink = 1 - rendered[4 * i]! / 255;
          page.set([...lined.map((p) => p * (1 - ink) + 30 * ink), 255], 4 * i);
        }
      }
      return page;
    };
    for (const [name, strokes, lineWidth] of [
      ['seven', seven, 14],
      // Small and fine: the rules' pixels outnumber the writing's ten to one.
      ['small one', placeStrokes(SHAPES.one!, 120, 110, 60), 3],
    ] as const) {
      const clean = preprocessRgba(rasterise(strokes, 280, 280, lineWidth), 280, 280);
      const ruled = preprocessRgba(onRuledPaper(strokes, lineWidth), 280, 280);
      assertMnistGeometry(ruled, name);
      assert.ok(meanAbsDiff(clean, ruled) < 0.02, `${name}:\n${picture(clean)}\n${picture(ruled)}`);
    }
    // A digit's own bar across a tight crop is full ink, not a printed line.
    const tightSeven = placeStrokes(SHAPES.seven!, -14.5, -3, 100); // bar from x = 1 to 71 of 72
    const tight = preprocessRgba(rasterise(tightSeven, 72, 100, 8), 72, 100);
    const withMargins = preprocessRgba(rasterise(placeStrokes(SHAPES.seven!, 90, 90, 100), 280, 280, 8), 280, 280);
    assert.ok(meanAbsDiff(withMargins, tight) < 0.03, `\n${picture(withMargins)}\n${picture(tight)}`);
  });

  it('reads a photo of grey paper with uneven light, noise and a speck of dirt like the clean drawing', () => {
    const clean = preprocessRgba(rasterise(seven, 280, 280, 14), 280, 280);
    const coverage = new Float32Array(280 * 280);
    const rendered = rasterise(seven, 280, 280, 14);
    for (let i = 0; i < coverage.length; i++) coverage[i] = 1 - rendered[4 * i]! / 255;
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const photo = new Uint8Array(280 * 280 * 4);
    for (let y = 0; y < 280; y++) {
      for (let x = 0; x < 280; x++) {
        const i = y * 280 + x;
        // Paper from 45% to 85% grey left to right (a shadow), pencil at 60% of the paper's level.
        const paper = 0.45 + (0.4 * x) / 280 + 0.05 * Math.sin(y / 40);
        const speck = Math.hypot(x - 262, y - 266) < 3 ? 1 : 0;
        const ink = Math.max(coverage[i]!, speck);
        const noise = (random() + random() + random() - 1.5) * 0.06;
        const v = 255 * Math.min(1, Math.max(0, paper * (1 - 0.6 * ink) + noise));
        photo.set([v, v * 0.97, v * 0.9, 255], 4 * i);
      }
    }
    const result = preprocessRgba(photo, 280, 280);
    assertMnistGeometry(result, 'photo');
    assert.ok(meanAbsDiff(clean, result) < 0.04, `\n${picture(clean)}\n${picture(result)}`);
  });

  it("thickens a fine pen's strokes and thins a marker's into MNIST's range", () => {
    for (const lineWidth of [2, 4, 60]) {
      const image = preprocessRgba(rasterise(placeStrokes(SHAPES.zero!, 100, 100, 800), 1000, 1000, lineWidth), 1000, 1000);
      const width = widthOf(image);
      assert.ok(width >= IMAGE_PEN_MIN - 0.3 && width <= IMAGE_PEN_MAX + 0.3, `pen ${lineWidth}: ${width.toFixed(2)} px\n${picture(image)}`);
      assertMnistGeometry(image, `pen ${lineWidth}`);
    }
    // Every part survives, at full ink, whatever dominates the profiles (a 7's long bar).
    for (const [name, shape] of Object.entries(SHAPES)) {
      const strokes = placeStrokes(shape, 100, 100, 700);
      const image = preprocessRgba(rasterise(strokes, 1000, 1000, 4), 1000, 1000);
      const drawn = preprocessStrokes(strokes, canvas(1000, 1000, 4));
      const mass = (a: Float32Array): number => a.reduce((sum, v) => sum + v, 0);
      assert.ok(Math.max(...image) > 0.95, `${name}: the thickened strokes are grey`);
      assert.ok(mass(image) > 0.6 * mass(drawn) && mass(image) < 1.4 * mass(drawn), `${name}: ${mass(image)} vs ${mass(drawn)}`);
      // Up to a pixel apart: images centre in whole pixels along their 20 px side.
      assert.ok(meanAbsDiff(image, drawn) < 0.08, `${name}:\n${picture(image)}\n${picture(drawn)}`);
    }
    const marker = preprocessRgba(rasterise(placeStrokes(SHAPES.seven!, 30, 30, 220), 280, 280, 50), 280, 280);
    assert.ok(widthOf(marker) <= IMAGE_PEN_MAX + 0.3, `marker: ${widthOf(marker).toFixed(2)} px\n${picture(marker)}`);
  });

  it('rejects blank images with EMPTY_DRAWING', () => {
    const flat = (rgba: [number, number, number, number], w = 64, h = 48): Uint8Array => paint(new Float32Array(w * h), rgba, rgba);
    assertRejects(() => preprocessRgba(flat([255, 255, 255, 255]), 64, 48), 'EMPTY_DRAWING');
    assertRejects(() => preprocessRgba(flat([0, 0, 0, 255]), 64, 48), 'EMPTY_DRAWING');
    assertRejects(() => preprocessRgba(flat([0, 0, 0, 0]), 64, 48), 'EMPTY_DRAWING', /transparent/);
    assertRejects(() => preprocessRgba(flat([128, 128, 128, 255], 1, 1), 1, 1), 'EMPTY_DRAWING');
    // A 3 px speck on a 600 px image (a digit needs 1% of the side, 6 px).
    const speck = rasterise([[{ x: 100, y: 120 }]], 600, 600, 2.5);
    assertRejects(() => preprocessRgba(speck, 600, 600), 'EMPTY_DRAWING', /speck \(\d px across\)/);
    // Paper grain and a barely visible smudge are not a digit.
    let seed = 3;
    const grain = new Uint8Array(200 * 200 * 4);
    for (let i = 0; i < 200 * 200; i++) {
      seed = (seed * 16807) % 2147483647;
      const v = 200 + (seed % 9) - 4 - (Math.hypot((i % 200) - 100, Math.floor(i / 200) - 100) < 10 ? 6 : 0);
      grain.set([v, v, v, 255], 4 * i);
    }
    assertRejects(() => preprocessRgba(grain, 200, 200), 'EMPTY_DRAWING');
  });

  it('rejects inconsistent image data with BAD_USER_INPUT', () => {
    assertRejects(() => preprocessRgba(new Uint8Array(12), 2, 2), 'BAD_USER_INPUT', /expects 16 RGBA bytes for a 2 × 2 image, got 12/);
    assertRejects(() => preprocessRgba(new Uint8Array(0), 0, 0), 'BAD_USER_INPUT', /`width` to be a whole number of pixels from 1 to 4096, got 0/);
    assertRejects(() => preprocessRgba(new Uint8Array(16), 2.5, 2), 'BAD_USER_INPUT', /`width`.*got 2\.5/);
    assertRejects(() => preprocessRgba(new Uint8Array(16), 2, 5000), 'BAD_USER_INPUT', /`height`.*got 5000/);
    assertRejects(() => preprocessRgba([0, 0, 0, 255] as never, 1, 1), 'BAD_USER_INPUT', /RGBA bytes \(a Uint8Array\)/);
  });
});

describe('preprocessPixels', () => {
  it('returns a copy of valid MNIST-formatted pixels', () => {
    const pixels = Array.from({ length: 784 }, (_, i) => (i % 7 === 0 ? 1 : i % 5 === 0 ? 0.25 : 0));
    const out = preprocessPixels(pixels);
    assert.ok(out instanceof Float32Array);
    assert.deepEqual(Array.from(out), pixels.map((v) => Math.fround(v)));
    const typed = new Float32Array(pixels);
    assert.notEqual(preprocessPixels(typed), typed);
  });

  it('rejects a wrong count or values outside [0, 1] with BAD_USER_INPUT', () => {
    assertRejects(() => preprocessPixels(new Array(12).fill(0.5)), 'BAD_USER_INPUT', /expects `pixels` to have 784 values \(28 × 28, row-major\), got 12/);
    assertRejects(() => preprocessPixels(new Float32Array(785)), 'BAD_USER_INPUT', /got 785/);
    const withValue = (v: unknown): number[] => Object.assign(new Array(784).fill(0.5), { 300: v });
    assertRejects(() => preprocessPixels(withValue(NaN)), 'BAD_USER_INPUT', /`pixels\[300\]` to be a number from 0 to 1.*got NaN/);
    assertRejects(() => preprocessPixels(withValue(Infinity)), 'BAD_USER_INPUT', /got Infinity/);
    assertRejects(() => preprocessPixels(withValue(1.5)), 'BAD_USER_INPUT', /got 1\.5/);
    assertRejects(() => preprocessPixels(withValue(-0.1)), 'BAD_USER_INPUT', /got -0\.1/);
    assertRejects(() => preprocessPixels(withValue('1')), 'BAD_USER_INPUT', /got "1"/);
    assertRejects(() => preprocessPixels(null as never), 'BAD_USER_INPUT', /an array of 784 numbers/);
  });

  it('rejects zero pixels with EMPTY_DRAWING', () => {
    assertRejects(() => preprocessPixels(new Float32Array(784)), 'EMPTY_DRAWING');
    assertRejects(() => preprocessPixels(new Float32Array(784).fill(0.001)), 'EMPTY_DRAWING');
  });
});

describe('the preprocess module', () => {
  it('stays pure TypeScript the browser can run: relative imports only, no Node or DOM globals', () => {
    // From server/dist/server/src/ml/preprocess/ back to server/src/ml/preprocess/.
    const dir = new URL('../../../../../src/ml/preprocess/', import.meta.url);
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    assert.ok(sources.includes('index.ts') && sources.length >= 8, `found ${sources.join(', ')}`);
    for (const file of sources) {
      const code = readFileSync(new URL(file, dir), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const [, specifier] of code.matchAll(/\bfrom\s+'([^']+)'/g)) {
        assert.match(specifier!, /^\.\/[\w-]+\.js$/, `${file} imports ${specifier}`);
      }
      for (const name of ['process', 'Buffer', 'require', 'document', 'window', 'globalThis']) {
        assert.ok(!new RegExp(`\\b${name}\\b`).test(code), `${file} uses ${name}`);
      }
    }
  });
});
