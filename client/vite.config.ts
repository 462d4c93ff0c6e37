import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sveltekit } from '@sveltejs/kit/vite';
import { Kind, parse } from 'graphql';
import { defineConfig } from 'vite';

/** Where `npm start` serves the API while the client runs under `vite dev`. */
const apiOrigin = process.env.API_ORIGIN ?? 'http://127.0.0.1:3000';

/** The server's schema, emitted by TypeGraphQL; operations are typed from it too (tsconfig.json). */
const schemaPath = fileURLToPath(new URL('../schema.graphql', import.meta.url));

/** Pure-TS preprocessing shared with the server, for the instant 28×28 preview. */
const preprocessDir = fileURLToPath(new URL('../server/src/ml/preprocess', import.meta.url));

/**
 * Names of the schema's Mutation fields, so features whose operation the
 * server does not offer yet can stay hidden instead of failing at run time.
 */
function mutationFields(): string[] {
  const document = parse(readFileSync(schemaPath, 'utf8'));
  return document.definitions.flatMap((definition) =>
    (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) &&
    definition.name.value === 'Mutation'
      ? (definition.fields ?? []).map((field) => field.name.value)
      : [],
  );
}

export default defineConfig({
  plugins: [sveltekit()],
  build: {
    // Rolldown's timing report blames SvelteKit's own closeBundle (the SSR
    // build and adapter run there); it is noise in every `npm test`.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  define: {
    __API_MUTATIONS__: JSON.stringify(mutationFields()),
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
