/**
 * Preprocessing cost per drawing, in CPU time of this process (the machine
 * may be shared): strokes of a few hundred points, and a 280 × 280 RGBA image,
 * each turned into the 28 × 28 MNIST input. These run on the request thread
 * (strokes) or the image-decoding thread (images) for every `classify`.
 * Then the training augmentation of one batch of 128 MNIST digits, which runs
 * on the training thread between steps.
 *
 *   npm run bench -- preprocess
 */
import { preprocessRgba, preprocessStrokes } from '../server/src/ml/preprocess/index.js';
import { augmentBatch } from '../server/src/ml/augment.js';
import { loadMnist } from '../server/src/ml/mnist.js';
import { Rng } from '../server/src/ml/rng.js';
import { ellipse, placeStrokes, rasterise, SHAPES } from '../server/src/ml/preprocess/test-fixtures.js';

/** Mean CPU milliseconds (user + system) per call of `run`, after `warmup` calls. */
function cpuMilliseconds(runs: number, run: () => unknown, warmup = 50): number {
  for (let i = 0; i < warmup; i++) run();
  const start = process.cpuUsage();
  for (let i = 0; i < runs; i++) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / runs;
}

const canvas = { width: 280, height: 280, lineWidth: 18 };
const ring = [ellipse(140, 140, 80, 110, 300)];
const seven = placeStrokes(SHAPES.seven!, 40, 40, 200);
const image = rasterise(seven, 280, 280, 20);

console.log('| input | CPU ms per drawing |');
console.log('|---|---:|');
console.log(`| strokes, 300 points on a 280 × 280 canvas | ${cpuMilliseconds(2000, () => preprocessStrokes(ring, canvas)).toFixed(3)} |`);
console.log(`| 280 × 280 RGBA image (decoded) | ${cpuMilliseconds(300, () => preprocessRgba(image, 280, 280)).toFixed(3)} |`);

const batch = loadMnist('train', 128).images;
const augmented = new Float32Array(batch.length);
const rng = new Rng(6);
console.log(`\naugmentation of a batch of 128 digits: ${cpuMilliseconds(50, () => augmentBatch(batch, augmented, rng), 5).toFixed(1)} CPU ms`);
