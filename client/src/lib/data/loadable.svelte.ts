import type { ApiProblem } from '$lib/graphql/errors';
import type { Outcome } from './request';

/**
 * The latest answer to a query that can be re-run (new filters, a refresh):
 * `data` keeps the last good answer while a newer request runs, and an
 * answer that arrives after a newer request was made is dropped.
 */
export class Loadable<Data> {
  data = $state.raw<Data | null>(null);
  problem = $state.raw<ApiProblem | null>(null);
  loading = $state(false);
  #sequence = 0;

  /** Waits for `request` and keeps its outcome unless a newer one was started meanwhile; true when kept and good. */
  async track(request: Promise<Outcome<Data>>): Promise<boolean> {
    const sequence = ++this.#sequence;
    this.loading = true;
    const outcome = await request;
    if (sequence !== this.#sequence) return false;
    this.loading = false;
    if (outcome.ok) {
      this.data = outcome.data;
      this.problem = null;
      return true;
    }
    this.problem = outcome.problem;
    return false;
  }
}
