import { browser } from '$app/environment';

export type ThemeName = 'light' | 'dark';

/** localStorage key; the inline script in app.html reads the same key before first paint. */
export const THEME_STORAGE_KEY = 'mnist-studio:theme';

const DARK_QUERY = '(prefers-color-scheme: dark)';

function isThemeName(value: unknown): value is ThemeName {
  return value === 'light' || value === 'dark';
}

/**
 * Light or dark, following the operating system until the person picks one.
 *
 * Only a choice that differs from the OS is stored: toggling back to what the
 * OS prefers forgets the choice, so the app follows the OS again from then on.
 * The `data-theme` attribute on `<html>` is the single switch the CSS reads;
 * without it, `prefers-color-scheme` decides.
 */
export class Theme {
  #system = $state<ThemeName>('light');
  #choice = $state<ThemeName | null>(null);

  /** The theme in effect now. */
  readonly current: ThemeName = $derived(this.#choice ?? this.#system);

  constructor() {
    if (!browser) return;
    const media = matchMedia(DARK_QUERY);
    this.#system = media.matches ? 'dark' : 'light';
    media.addEventListener('change', (event) => {
      this.#system = event.matches ? 'dark' : 'light';
    });
    try {
      const stored = localStorage.getItem(THEME_STORAGE_KEY);
      if (isThemeName(stored)) this.#choice = stored;
    } catch {
      // Storage can be disabled (private mode, policies): follow the OS.
    }
  }

  /** Switches to the other theme and remembers the choice. */
  toggle(): void {
    const next: ThemeName = this.current === 'dark' ? 'light' : 'dark';
    this.#choice = next === this.#system ? null : next;
    try {
      if (this.#choice) localStorage.setItem(THEME_STORAGE_KEY, this.#choice);
      else localStorage.removeItem(THEME_STORAGE_KEY);
    } catch {
      // Not persisted; the choice still holds for this page.
    }
    if (this.#choice) document.documentElement.dataset.theme = this.#choice;
    else delete document.documentElement.dataset.theme;
  }
}

/** One theme for the whole app (it mirrors a property of the page, not of a component). */
export const theme = new Theme();
