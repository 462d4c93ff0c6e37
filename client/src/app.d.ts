// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
  namespace App {
    // interface Error {}
    // interface Locals {}
    // interface PageData {}
    // interface PageState {}
    // interface Platform {}
  }

  /** Field names of the API's Mutation type, read from schema.graphql at build time (vite.config.ts). */
  const __API_MUTATIONS__: readonly string[];
}

export {};
