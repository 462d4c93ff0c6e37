import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

/** Where `npm start` serves the API while the client runs under `vite dev`. */
const apiOrigin = process.env.API_ORIGIN ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    proxy: {
      // HTTP operations and the graphql-ws socket share the path.
      '/graphql': { target: apiOrigin, ws: true, changeOrigin: true },
      '/healthz': { target: apiOrigin, changeOrigin: true },
    },
  },
});
