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
      // The server's pure-TS preprocessing (no DOM, no tfjs, no Node APIs):
      // the client runs the same code to preview what the model will see.
      $preprocess: '../server/src/ml/preprocess/index.ts',
    },
  },
};

export default config;
