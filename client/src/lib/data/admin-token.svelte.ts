import type { OperationContext } from '@urql/core';
import { browser } from '$app/environment';

/** sessionStorage key: the token lasts as long as the tab, never on disk for good. */
const STORAGE_KEY = 'mnist-studio:admin-token';

/**
 * The admin token a person typed in, sent as `Authorization: Bearer` with
 * admin operations (training, activation, exports). Without ADMIN_TOKEN on
 * the server, those work from the server's own machine and none is needed.
 */
export class AdminToken {
  value = $state('');

  constructor() {
    if (!browser) return;
    try {
      this.value = sessionStorage.getItem(STORAGE_KEY) ?? '';
    } catch {
      // Storage disabled: the token holds for this page only.
    }
  }

  set(token: string): void {
    this.value = token.trim();
    try {
      if (this.value) sessionStorage.setItem(STORAGE_KEY, this.value);
      else sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // Not persisted; still used on this page.
    }
  }

  /** Request headers carrying the token (none when empty). */
  headers(): Record<string, string> {
    return this.value ? { authorization: `Bearer ${this.value}` } : {};
  }

  /** urql operation context adding the token to one request. */
  context(): Partial<OperationContext> {
    return this.value ? { fetchOptions: { headers: this.headers() } } : {};
  }
}

/** One token for the tab. */
export const adminToken = new AdminToken();

/** Codes of the errors an admin token can fix. */
export function needsAdmin(code: string | undefined): boolean {
  return code === 'UNAUTHENTICATED' || code === 'FORBIDDEN';
}
