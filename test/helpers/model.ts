/**
 * Model folders for tests. Untrained weights are enough to test storage and
 * the API contract: the probabilities still come from a real forward pass.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exportArtifacts, writeArtifactsDir } from '../../server/src/ml/artifacts.js';
import { initBackend } from '../../server/src/ml/backend.js';
import { createModel } from '../../server/src/ml/model.js';
import { makeTempDir } from './database.js';

export interface TestModelDir {
  /** Folder with model.json, weights.bin and meta.json. */
  readonly dir: string;
  remove(): Promise<void>;
}

/** Writes an untrained CNN (seeded, so always the same weights) in the committed model's format. */
export async function createUntrainedModelDir(meta: Record<string, unknown> = {}): Promise<TestModelDir> {
  await initBackend();
  const model = createModel({ seed: 7 });
  try {
    const root = await makeTempDir('mnist-test-model-');
    const dir = join(root, 'model');
    await writeArtifactsDir(dir, await exportArtifacts(model), {
      name: 'untrained (test)',
      metrics: { testAccuracy: 0.1 },
      recipe: { epochs: 0 },
      lineage: { note: 'created by test/helpers/model.ts' },
      backend: 'wasm',
      durationMs: 0,
      ...meta,
    });
    return { dir, remove: () => rm(root, { recursive: true, force: true }) };
  } finally {
    model.dispose();
  }
}

/** A folder where no model exists, for servers that must start without one. */
export const MISSING_MODEL_DIR = join(process.cwd(), 'test', 'no-such-model-dir');
