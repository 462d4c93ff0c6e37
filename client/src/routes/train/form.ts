import type { TrainingInput } from '$lib/graphql/operations/train';

/**
 * Where a run starts: fine-tuning the active version's weights, or fresh
 * weights. Each has its own recipe defaults (the server's: TrainingInput
 * documents both), because a fine-tune at the fresh recipe's large step
 * undoes what the active model knows.
 */
export type StartFrom = 'active' | 'fresh';

/** Epochs and learning rate: the two defaults that depend on {@link StartFrom}. */
interface Recipe {
  readonly epochs: number;
  readonly learningRate: number;
}

export const RECIPES: Readonly<Record<StartFrom, Recipe>> = {
  active: { epochs: 1, learningRate: 0.0005 },
  fresh: { epochs: 2, learningRate: 0.004 },
};

/** One number of the training form: its bounds and the server's default. */
export interface NumberField {
  readonly key: 'epochs' | 'batchSize' | 'learningRate' | 'mnistLimit' | 'userSampleWeight' | 'seed';
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  /** null: none (the seed is random unless given); a recipe's for epochs and learning rate. */
  readonly default: number | null | Recipe;
  readonly step: string;
  readonly hint: string;
}

export const NUMBER_FIELDS: readonly NumberField[] = [
  { key: 'epochs', label: 'Epochs', min: 1, max: 50, integer: true, default: RECIPES.active, step: '1', hint: 'passes over the data, 1 to 50' },
  { key: 'batchSize', label: 'Batch size', min: 8, max: 1024, integer: true, default: 128, step: '1', hint: 'samples per step, 8 to 1024' },
  { key: 'learningRate', label: 'Learning rate', min: 0.00001, max: 1, integer: false, default: RECIPES.active, step: 'any', hint: 'Adam step size, 0.00001 to 1' },
  { key: 'mnistLimit', label: 'MNIST digits', min: 0, max: 60000, integer: true, default: 60000, step: '1', hint: 'the first n of 60,000; 0 = drawings only' },
  { key: 'userSampleWeight', label: 'Drawing weight', min: 0, max: 100, integer: false, default: 2, step: 'any', hint: 'a drawing against one MNIST digit, 0 to 100' },
  { key: 'seed', label: 'Seed', min: 0, max: 2147483647, integer: true, default: null, step: '1', hint: 'same seed and data, same model; empty = random' },
];

/** A field's default when starting from `from`. */
export function defaultOf(field: NumberField, from: StartFrom): number | null {
  const d = field.default;
  if (d === null || typeof d === 'number') return d;
  return field.key === 'epochs' ? RECIPES[from].epochs : RECIPES[from].learningRate;
}

/** The form as typed: numbers as the inputs hold them (null when empty). */
export interface TrainingForm {
  startFrom: StartFrom;
  epochs: number | null;
  batchSize: number | null;
  learningRate: number | null;
  mnistLimit: number | null;
  userSampleWeight: number | null;
  seed: number | null;
  augment: boolean;
  includeUserData: boolean;
}

/** The defaults; a fine-tune of the active version unless there is none. */
export function defaultForm(from: StartFrom = 'active'): TrainingForm {
  return { startFrom: from, ...RECIPES[from], batchSize: 128, mnistLimit: 60000, userSampleWeight: 2, seed: null, augment: true, includeUserData: true };
}

/** A small run that finishes in well under a minute: for trying things out. */
export function quickForm(from: StartFrom = 'active'): TrainingForm {
  return { ...defaultForm(from), epochs: 1, batchSize: 64, mnistLimit: 2000 };
}

/**
 * The form started from elsewhere: epochs and learning rate move to that
 * recipe's defaults where they still hold the other's (values typed in stay).
 */
export function withStart(form: TrainingForm, from: StartFrom): TrainingForm {
  const before = RECIPES[form.startFrom];
  const after = RECIPES[from];
  return {
    ...form,
    startFrom: from,
    epochs: form.epochs === before.epochs ? after.epochs : form.epochs,
    learningRate: form.learningRate === before.learningRate ? after.learningRate : form.learningRate,
  };
}

/** What is wrong with one field's value, or null. */
export function checkField(field: NumberField, value: number | null, from: StartFrom): string | null {
  if (value == null || Number.isNaN(value)) {
    const d = defaultOf(field, from);
    return d === null ? null : `${field.label} is needed (the default is ${d}).`;
  }
  if (field.integer && !Number.isInteger(value)) return `${field.label} must be a whole number.`;
  if (value < field.min || value > field.max) return `${field.label} must be from ${field.min} to ${field.max}; ${value} is not.`;
  return null;
}

/** Every problem of the form, by field key; empty when it can be sent. */
export function checkForm(form: TrainingForm): Partial<Record<NumberField['key'], string>> {
  const problems: Partial<Record<NumberField['key'], string>> = {};
  for (const field of NUMBER_FIELDS) {
    const problem = checkField(field, form[field.key], form.startFrom);
    if (problem) problems[field.key] = problem;
  }
  return problems;
}

/** The mutation input for a valid form. */
export function toTrainingInput(form: TrainingForm): TrainingInput {
  return {
    warmStart: form.startFrom === 'active',
    epochs: form.epochs,
    batchSize: form.batchSize,
    learningRate: form.learningRate,
    mnistLimit: form.mnistLimit,
    augment: form.augment,
    includeUserData: form.includeUserData,
    userSampleWeight: form.userSampleWeight,
    ...(form.seed == null ? {} : { seed: form.seed }),
  };
}
