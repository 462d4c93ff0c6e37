/** Which samples the Explore page browses. */
export type Source = 'train' | 'test' | 'mine';

export interface BrowseState {
  source: Source;
  /** '' for every digit. */
  digit: string;
  /** First MNIST sample shown (MNIST sources only). */
  offset: number;
}

export function readBrowse(params: URLSearchParams): BrowseState {
  const source = params.get('source');
  const digit = params.get('digit') ?? '';
  const offset = Number(params.get('offset') ?? 0);
  return {
    source: source === 'test' || source === 'mine' ? source : 'train',
    digit: /^[0-9]$/.test(digit) ? digit : '',
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

export function writeBrowse(state: BrowseState): string {
  const params = new URLSearchParams();
  if (state.source !== 'train') params.set('source', state.source);
  if (state.digit) params.set('digit', state.digit);
  if (state.offset > 0 && state.source !== 'mine') params.set('offset', String(state.offset));
  const text = params.toString();
  return text ? `?${text}` : '';
}
