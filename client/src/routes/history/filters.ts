import type { PredictionFilter } from '$lib/graphql/operations/history';

/** Which labelled state a history shows. */
export type LabelState = 'any' | 'correct' | 'wrong' | 'unlabeled' | 'labeled';

/** The history's filters as the form edits them; kept in the URL's query string. */
export interface HistoryFilters {
  /** The model's answer, '' for any. */
  digit: string;
  /** The true label, '' for any. */
  label: string;
  state: LabelState;
  /** A model version id, '' for any. */
  model: string;
  /** `datetime-local` values in the visitor's time zone, '' for open. */
  from: string;
  to: string;
}

export const NO_FILTERS: HistoryFilters = { digit: '', label: '', state: 'any', model: '', from: '', to: '' };

const STATES: readonly LabelState[] = ['any', 'correct', 'wrong', 'unlabeled', 'labeled'];
const DIGIT = /^[0-9]$/;
/** Model version ids are UUIDs. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/** Reads the filters from a query string, ignoring values that make no sense. */
export function readFilters(params: URLSearchParams): HistoryFilters {
  const digit = params.get('digit') ?? '';
  const label = params.get('label') ?? '';
  const state = params.get('state') ?? 'any';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  return {
    digit: DIGIT.test(digit) ? digit : '',
    label: DIGIT.test(label) ? label : '',
    state: (STATES as readonly string[]).includes(state) ? (state as LabelState) : 'any',
    model: UUID.test(params.get('model') ?? '') ? params.get('model')! : '',
    from: LOCAL_TIME.test(from) ? from : '',
    to: LOCAL_TIME.test(to) ? to : '',
  };
}

/** The query string for `filters` (empty ones left out), with its leading `?` or ''. */
export function writeFilters(filters: HistoryFilters): string {
  const params = new URLSearchParams();
  if (filters.digit) params.set('digit', filters.digit);
  if (filters.label) params.set('label', filters.label);
  if (filters.state !== 'any') params.set('state', filters.state);
  if (filters.model) params.set('model', filters.model);
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** A `datetime-local` value as an ISO instant, or undefined when empty or invalid. */
function instant(local: string): string | undefined {
  if (!local) return undefined;
  const time = new Date(local);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** The API's PredictionFilter for `filters`. */
export function toPredictionFilter(filters: HistoryFilters): PredictionFilter {
  const filter: PredictionFilter = {};
  if (filters.digit) filter.digit = Number(filters.digit);
  if (filters.label) filter.label = Number(filters.label);
  if (filters.state === 'correct') filter.correct = true;
  if (filters.state === 'wrong') filter.correct = false;
  if (filters.state === 'unlabeled') filter.unlabeled = true;
  if (filters.state === 'labeled') filter.unlabeled = false;
  if (filters.model) filter.modelId = filters.model;
  const from = instant(filters.from);
  const to = instant(filters.to);
  if (from) filter.from = from;
  if (to) filter.to = to;
  return filter;
}

/** Whether any filter narrows the history. */
export function isFiltered(filters: HistoryFilters): boolean {
  return writeFilters(filters) !== '';
}
