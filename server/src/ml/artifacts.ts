/**
 * Model artifacts in memory and on disk.
 *
 * In memory a model is {@link ModelArtifacts}: the Keras-style topology, the
 * weight manifest and one buffer of weights — what the database stores per
 * model version and what a training worker posts back. On disk it is the
 * standard TensorFlow.js layers format, so `tf.loadLayersModel` can read it
 * too: `model.json` (topology + weights manifest), `weights.bin`, plus the
 * project's `meta.json` (recipe, metrics, lineage).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export interface ModelArtifacts {
  /** Keras-style model topology (`model.toJSON()` shape). */
  topology: object;
  /** Name, shape and dtype of each weight, in the order of `weights`. */
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** All weights, concatenated little-endian as the specs say. */
  weights: Uint8Array;
}

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const META_JSON = 'meta.json';

/** Thrown when artifacts read from disk or a database are inconsistent. */
export class ArtifactsError extends Error {
  override name = 'ArtifactsError';
}

/** Serialises a model's topology and weights (it stays usable). */
export async function exportArtifacts(model: tf.LayersModel): Promise<ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved?.modelTopology || !saved.weightSpecs || saved.weightData === undefined) {
    throw new ArtifactsError('model.save produced no topology or weights');
  }
  const data = tf.io.CompositeArrayBuffer.join(saved.weightData);
  return { topology: saved.modelTopology as object, weightSpecs: saved.weightSpecs, weights: new Uint8Array(data) };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** Bytes the weight specs describe; throws on an unsupported dtype or quantisation. */
export function weightBytes(specs: tf.io.WeightsManifestEntry[]): number {
  let total = 0;
  for (const spec of specs) {
    const size = DTYPE_BYTES[spec.dtype];
    if (size === undefined || spec.quantization) {
      throw new ArtifactsError(`weight '${spec.name}' has dtype ${spec.dtype}${spec.quantization ? ' (quantised)' : ''}; only unquantised float32/int32/bool weights are supported`);
    }
    total += size * spec.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}

/**
 * Checks that `value` is a usable {@link ModelArtifacts}: a topology object,
 * a manifest array, and a weights buffer of exactly the manifest's size.
 */
export function validateArtifacts(value: unknown, source = 'model artifacts'): ModelArtifacts {
  if (typeof value !== 'object' || value === null) throw new ArtifactsError(`${source}: expected an object, got ${value === null ? 'null' : typeof value}`);
  const a = value as Record<string, unknown>;
  if (typeof a.topology !== 'object' || a.topology === null || Array.isArray(a.topology)) {
    throw new ArtifactsError(`${source}: expects 'topology' to be an object (Keras model JSON)`);
  }
  if (!Array.isArray(a.weightSpecs) || a.weightSpecs.some((s) => typeof s?.name !== 'string' || !Array.isArray(s?.shape))) {
    throw new ArtifactsError(`${source}: expects 'weightSpecs' to be an array of {name, shape, dtype}`);
  }
  if (!(a.weights instanceof Uint8Array)) throw new ArtifactsError(`${source}: expects 'weights' to be a Uint8Array`);
  const expected = weightBytes(a.weightSpecs as tf.io.WeightsManifestEntry[]);
  if (a.weights.byteLength !== expected) {
    throw new ArtifactsError(`${source}: weights are ${a.weights.byteLength} bytes but the manifest describes ${expected}; the files do not belong together or are truncated`);
  }
  return a as unknown as ModelArtifacts;
}

/**
 * Builds a model from artifacts.
 *
 * @returns a model mapping `[n, 28, 28, 1]` to `[n, 10]` probabilities
 */
export async function loadModelFromArtifacts(artifacts: ModelArtifacts): Promise<tf.LayersModel> {
  const a = validateArtifacts(artifacts);
  // fromMemory wants an ArrayBuffer of exactly the weights, not a view into a larger one.
  const weightData = a.weights.buffer.slice(a.weights.byteOffset, a.weights.byteOffset + a.weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: a.topology, weightSpecs: a.weightSpecs, weightData }));
}

/**
 * Writes `model.json`, `weights.bin` and `meta.json` into `dir` (created if
 * missing). Each file is written to a temporary name and renamed, so a reader
 * never sees half a model.
 */
export async function writeArtifactsDir(dir: string, artifacts: ModelArtifacts, meta: unknown): Promise<void> {
  await mkdir(dir, { recursive: true });
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: artifacts.topology,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs }],
  };
  const files: Array<[string, string | Uint8Array]> = [
    [WEIGHTS_BIN, artifacts.weights],
    [MODEL_JSON, JSON.stringify(modelJson)],
    [META_JSON, `${JSON.stringify(meta, null, 2)}\n`],
  ];
  for (const [name, content] of files) {
    const path = join(dir, name);
    await writeFile(`${path}.tmp`, content);
    await rename(`${path}.tmp`, path);
  }
}

/**
 * Reads a directory written by {@link writeArtifactsDir} (or any single-file
 * TensorFlow.js layers model with `meta.json` beside it).
 *
 * @returns the artifacts and the parsed `meta.json` (`{}` when absent)
 * @throws ArtifactsError naming the file and what is wrong with it
 */
export async function readArtifactsDir(dir: string): Promise<{ artifacts: ModelArtifacts; meta: unknown }> {
  const modelPath = join(dir, MODEL_JSON);
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(await readFile(modelPath, 'utf8'));
  } catch (err) {
    throw new ArtifactsError(`${modelPath}: cannot read the model (${(err as Error).message})`);
  }
  const m = modelJson as { modelTopology?: unknown; weightsManifest?: Array<{ paths?: unknown; weights?: unknown }> };
  if (!Array.isArray(m.weightsManifest) || m.weightsManifest.length !== 1 || !Array.isArray(m.weightsManifest[0].paths) || m.weightsManifest[0].paths.length !== 1) {
    throw new ArtifactsError(`${modelPath}: expects 'weightsManifest' to list exactly one group with one weights file`);
  }
  const weightsName = String(m.weightsManifest[0].paths[0]);
  const weightsPath = join(dir, weightsName);
  let weights: Uint8Array;
  try {
    weights = new Uint8Array(await readFile(weightsPath));
  } catch (err) {
    throw new ArtifactsError(`${weightsPath}: cannot read the weights (${(err as Error).message})`);
  }
  const artifacts = validateArtifacts({ topology: m.modelTopology, weightSpecs: m.weightsManifest[0].weights, weights }, modelPath);
  let meta: unknown = {};
  try {
    meta = JSON.parse(await readFile(join(dir, META_JSON), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ArtifactsError(`${join(dir, META_JSON)}: ${(err as Error).message}`);
  }
  return { artifacts, meta };
}
