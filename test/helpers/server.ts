/**
 * A real server for tests: its own fresh database, port 0, silent logs, and
 * (by default) an untrained model imported as version 1 on start.
 */
import type { Config } from '../../server/src/config.js';
import { startServer, type RunningServer } from '../../server/src/main.js';
import { withTestDatabase, type TestDatabase } from './database.js';
import { graphql, type GraphQLResponse, type RequestOptions } from './graphql.js';
import { createUntrainedModelDir, MISSING_MODEL_DIR, type TestModelDir } from './model.js';

export interface TestServer extends RunningServer {
  readonly db: TestDatabase;
  graphql<Data = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<GraphQLResponse<Data>>;
}

export interface TestServerOptions {
  /** `untrained`: a seeded untrained CNN is imported as the default model; `none`: the server has no model. @default 'untrained' */
  model?: 'untrained' | 'none';
  /** Reuse a database (it is then not closed with the server). */
  db?: TestDatabase;
  config?: Partial<Config>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownDb = !options.db;
  const db = options.db ?? (await withTestDatabase());
  let modelDir: TestModelDir | undefined;
  try {
    if ((options.model ?? 'untrained') === 'untrained') modelDir = await createUntrainedModelDir();
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      databaseUrl: db.url,
      logLevel: (process.env.TEST_LOG_LEVEL as Config['logLevel'] | undefined) ?? 'silent',
      nodeEnv: 'test',
      defaultModelDir: modelDir?.dir ?? MISSING_MODEL_DIR,
      ...options.config,
    });
    let closed: Promise<void> | undefined;
    return {
      ...server,
      db,
      graphql: (query, variables, requestOptions) => graphql(server.url, query, variables, requestOptions),
      close: () =>
        (closed ??= (async () => {
          await server.close();
          if (ownDb) await db.close();
          await modelDir?.remove();
        })()),
    };
  } catch (error) {
    if (ownDb) await db.close();
    await modelDir?.remove();
    throw error;
  }
}
