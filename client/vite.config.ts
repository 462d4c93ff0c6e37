import { fileURLToPath } from 'node:url';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

/** Where `npm start` serves the API while the client runs under `vite dev`. */
const apiOrigin = process.env.API_ORIGIN ?? 'http://127.0.0.1:3000';

/** Pure-TS preprocessing shared with the server, for the instant 28×28 preview. */
const preprocessDir = fileURLToPath(new URL('../server/src/ml/preprocess', import.meta.url));

export default defineConfig({
  plugins: [sveltekit()],
  build: {
    // Rolldown's timing report blames SvelteKit's own closeBundle (the SSR
    // build and adapter run there); it is noise in every `npm test`.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    fs: { allow: [preprocessDir] },
    proxy: {
      // HTTP operations and the graphql-ws socket share the path.
      '/graphql': { target: apiOrigin, ws: true, changeOrigin: true },
      '/healthz': { target: apiOrigin, changeOrigin: true },
    },
  },
});
