import type { TrainingInput } from '$lib/graphql/operations/train';

/** One number of the training form: its bounds and the server's default (TrainingInput's documented ones). */
export interface NumberField {
  readonly key: 'epochs' | 'batchSize' | 'learningRate' | 'mnistLimit' | 'userSampleWeight' | 'seed';
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  /** null: none (the seed is random unless given). */
  readonly default: number | null;
  readonly step: string;
  readonly hint: string;
}

export const NUMBER_FIELDS: readonly NumberField[] = [
  { key: 'epochs', label: 'Epochs', min: 1, max: 50, integer: true, default: 2, step: '1', hint: 'passes over the data, 1 to 50' },
  { key: 'batchSize', label: 'Batch size', min: 8, max: 1024, integer: true, default: 128, step: '1', hint: 'samples per step, 8 to 1024' },
  { key: 'learningRate', label: 'Learning rate', min: 0.00001, max: 1, integer: false, default: 0.004, step: 'any', hint: 'Adam step size, 0.00001 to 1' },
  { key: 'mnistLimit', label: 'MNIST digits', min: 0, max: 60000, integer: true, default: 60000, step: '1', hint: 'the first n of 60,000; 0 = drawings only' },
  { key: 'userSampleWeight', label: 'Drawing weight', min: 0, max: 100, integer: false, default: 2, step: 'any', hint: 'a drawing against one MNIST digit, 0 to 100' },
  { key: 'seed', label: 'Seed', min: 0, max: 2147483647, integer: true, default: null, step: '1', hint: 'same seed and data, same model; empty = random' },
];

/** The form as typed: numbers as the inputs hold them (null when empty). */
export interface TrainingForm {
  epochs: number | null;
  batchSize: number | null;
  learningRate: number | null;
  mnistLimit: number | null;
  userSampleWeight: number | null;
  seed: number | null;
  augment: boolean;
  includeUserData: boolean;
}

export function defaultForm(): TrainingForm {
  return { epochs: 2, batchSize: 128, learningRate: 0.004, mnistLimit: 60000, userSampleWeight: 2, seed: null, augment: true, includeUserData: true };
}

/** A small run that finishes in well under a minute: for trying things out. */
export function quickForm(): TrainingForm {
  return { ...defaultForm(), epochs: 1, batchSize: 64, mnistLimit: 2000 };
}

/** What is wrong with one field's value, or null. */
export function checkField(field: NumberField, value: number | null): string | null {
  if (value == null || Number.isNaN(value)) {
    return field.default === null ? null : `${field.label} is needed (the default is ${field.default}).`;
  }
  if (field.integer && !Number.isInteger(value)) return `${field.label} must be a whole number.`;
  if (value < field.min || value > field.max) return `${field.label} must be from ${field.min} to ${field.max}; ${value} is not.`;
  return null;
}

/** Every problem of the form, by field key; empty when it can be sent. */
export function checkForm(form: TrainingForm): Partial<Record<NumberField['key'], string>> {
  const problems: Partial<Record<NumberField['key'], string>> = {};
  for (const field of NUMBER_FIELDS) {
    const problem = checkField(field, form[field.key]);
    if (problem) problems[field.key] = problem;
  }
  return problems;
}

/** The mutation input for a valid form. */
export function toTrainingInput(form: TrainingForm): TrainingInput {
  return {
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
