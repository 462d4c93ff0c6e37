import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: {
    runes: true,
  },
  kit: {
    // The server mounts build/handler.js behind its own express app (after
    // /graphql and /healthz), so the adapter's standalone server is unused.
    adapter: adapter({ out: 'build', precompress: true }),
    alias: {
      $graphql: 'src/lib/graphql',
    },
  },
};

export default config;
