/**
 * The dataset snapshot a training job takes when it starts: the first
 * `mnistLimit` MNIST training digits plus every user drawing labelled at
 * that moment (one consistent read), split into user-train and a
 * user-holdout part chosen by a hash of the prediction id — so a sample
 * stays on the same side of the split from one job to the next, and the
 * holdout measures the model on drawings it never trained on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mnistDataDir, NUM_CLASSES, parseIdxLabels, PIXELS } from '../ml/mnist.js';
import type { Queryable } from '../events/pg-notify.js';
import type { TrainingParams } from './training-params.js';

/** Share of user samples held out for validation, in percent. */
export const USER_HOLDOUT_PERCENT = 20;

/** Labelled user drawings, `count` of them, as stored. */
export interface UserSamples {
  count: number;
  /** Prediction ids, index-aligned with `labels`. */
  ids: string[];
  /** Shape `[count]`, digits 0–9. */
  labels: Uint8Array;
  /** Shape `[count, 28, 28]` flattened, bytes with ink 255 on background 0 (as MNIST and `predictions.pixels` store them). */
  pixels: Uint8Array;
}

/** What a model was trained on; stored on the job and on the model version. */
export interface DatasetLineage {
  /** ISO time of the snapshot. */
  snapshotAt: string;
  /** MNIST training digits used (the first n of the 60,000). */
  mnistTrain: number;
  /** Labelled user drawings at snapshot time (train + holdout). */
  userSamples: number;
  /** User drawings trained on (0 when `includeUserData` is off). */
  userTrain: number;
  userHoldout: number;
  holdoutPercent: number;
  /** Loss weight of a user-train drawing against one MNIST digit. */
  userSampleWeight: number;
  /** Per digit: MNIST digits, user-train and user-holdout drawings. */
  perClass: Array<{ digit: number; mnist: number; userTrain: number; userHoldout: number }>;
  /** The most recently labelled drawing included, or null without user data. */
  newestUserSample: { id: string; createdAt: string; labeledAt: string } | null;
  /** The version that was active when the job started, against which promotion compares. */
  baseModelVersionId: string | null;
  /** The version whose weights the job fine-tuned (set by the job, not the snapshot); null or absent when it trained from scratch. */
  warmStartFrom?: string | null;
}

/** A job's data, ready for the training thread (MNIST images themselves are loaded there). */
export interface DatasetSnapshot {
  lineage: DatasetLineage;
  userTrain: UserSamples;
  userHoldout: UserSamples;
}

/**
 * Whether prediction `id` belongs to the user holdout: FNV-1a of its text,
 * mod 100, below `USER_HOLDOUT_PERCENT`. Deterministic across jobs and processes.
 */
export function isUserHoldout(id: string): boolean {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % 100 < USER_HOLDOUT_PERCENT;
}

interface SampleRow {
  id: string;
  label: number;
  pixels: Buffer;
  created_at: Date;
  labeled_at: Date;
}

/** Ids of the labelled drawings now, and which side of the split each falls on. */
export async function countUserSamples(db: Queryable): Promise<{ total: number; train: number; holdout: number }> {
  const rows = (await db.query(`SELECT id FROM predictions WHERE label IS NOT NULL`)) as Array<{ id: string }>;
  const holdout = rows.filter((r) => isUserHoldout(r.id)).length;
  return { total: rows.length, train: rows.length - holdout, holdout };
}

function pack(rows: SampleRow[]): UserSamples {
  const pixels = new Uint8Array(rows.length * PIXELS);
  const labels = new Uint8Array(rows.length);
  rows.forEach((row, i) => {
    if (row.pixels.byteLength !== PIXELS) {
      throw new Error(`prediction ${row.id} has ${row.pixels.byteLength} pixel bytes, expected ${PIXELS}`);
    }
    pixels.set(row.pixels, i * PIXELS);
    labels[i] = row.label;
  });
  return { count: rows.length, ids: rows.map((r) => r.id), labels, pixels };
}

let mnistTrainLabels: Uint8Array | undefined;

/** The 60,000 MNIST training labels alone (60 kB; the images stay on disk until the training thread loads them). */
function loadMnistTrainLabels(): Uint8Array {
  if (!mnistTrainLabels) {
    const path = join(mnistDataDir(), 'train-labels-idx1-ubyte');
    mnistTrainLabels = parseIdxLabels(readFileSync(path), path).labels;
  }
  return mnistTrainLabels;
}

/**
 * Takes the snapshot for `params`: reads the labelled drawings in one query
 * (a consistent view, so a label committed before it is in, one committed
 * after is not) and records the lineage.
 */
export async function takeSnapshot(
  db: Queryable,
  params: Pick<TrainingParams, 'mnistLimit' | 'includeUserData' | 'userSampleWeight'>,
  baseModelVersionId: string | null,
): Promise<DatasetSnapshot> {
  // The holdout is read even when user data stays out of training: it still
  // tells how the new model does on people's drawings.
  const rows = (await db.query(
    `SELECT id, label, pixels, created_at, labeled_at FROM predictions
     WHERE label IS NOT NULL ORDER BY labeled_at, id`,
  )) as SampleRow[];
  const snapshotAt = new Date().toISOString();
  const trainRows = params.includeUserData && params.userSampleWeight > 0 ? rows.filter((r) => !isUserHoldout(r.id)) : [];
  const holdoutRows = rows.filter((r) => isUserHoldout(r.id));
  const userTrain = pack(trainRows);
  const userHoldout = pack(holdoutRows);

  const perClass = Array.from({ length: NUM_CLASSES }, (_, digit) => ({ digit, mnist: 0, userTrain: 0, userHoldout: 0 }));
  if (params.mnistLimit > 0) {
    const labels = loadMnistTrainLabels();
    for (let i = 0; i < Math.min(params.mnistLimit, labels.length); i++) perClass[labels[i]].mnist++;
  }
  for (const label of userTrain.labels) perClass[label].userTrain++;
  for (const label of userHoldout.labels) perClass[label].userHoldout++;

  const newest = rows.at(-1);
  return {
    userTrain,
    userHoldout,
    lineage: {
      snapshotAt,
      mnistTrain: Math.min(params.mnistLimit, 60_000),
      userSamples: rows.length,
      userTrain: userTrain.count,
      userHoldout: userHoldout.count,
      holdoutPercent: USER_HOLDOUT_PERCENT,
      userSampleWeight: params.userSampleWeight,
      perClass,
      newestUserSample: newest
        ? { id: newest.id, createdAt: newest.created_at.toISOString(), labeledAt: newest.labeled_at.toISOString() }
        : null,
      baseModelVersionId,
    },
  };
}
