/**
 * `npm run schema`: prints the GraphQL schema into `schema.graphql` at the
 * repo root. Building a schema needs no services, so nothing is started.
 */
import 'reflect-metadata';
import { ResolverContainer } from './container.js';
import { createAppPubSub } from './pubsub.js';
import { buildAppSchema, emitSchema, SCHEMA_FILE } from './schema.js';

const schema = await buildAppSchema({ container: new ResolverContainer([]), pubSub: createAppPubSub() });
await emitSchema(schema);
console.log(`wrote ${SCHEMA_FILE}`);
