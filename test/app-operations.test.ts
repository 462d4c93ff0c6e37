import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { parse, print } from 'graphql';
import { APP_CLASSIFY } from './helpers/drawings.js';

/** The GraphQL text of `graphql(\`...\`)` assigned to `name` in a client operations file. */
async function clientOperation(file: string, name: string): Promise<string> {
  const source = await readFile(new URL(`../../../client/src/lib/graphql/operations/${file}`, import.meta.url), 'utf8');
  const found = new RegExp(`export const ${name} = graphql\\(\`([^\`]*)\``).exec(source);
  assert.ok(found, `${file} exports ${name} = graphql(\`...\`)`);
  return found[1];
}

test("the classify that load measurements send is the Draw page's own", async () => {
  const page = await clientOperation('draw.ts', 'ClassifyMutation');
  assert.equal(print(parse(APP_CLASSIFY)), print(parse(page)));
});
