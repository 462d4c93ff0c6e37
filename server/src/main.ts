/**
 * Entry point: config → logger → TensorFlow.js backend → database (embedded
 * when DATABASE_URL is unset) → migrations → default model → classifier →
 * express + Apollo + graphql-ws on one HTTP server → listen. SIGINT/SIGTERM
 * close them in reverse order.
 */
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type RequestHandler } from 'express';
import { AdminAuth, assertAdminTokenConfigured } from './auth/admin.js';
import { adminAccessOf } from './auth/admin.http.js';
import { compileTrust } from './auth/caller.js';
import { ConfigError, loadConfig, REPO_ROOT, withOverrides, type Config } from './config.js';
import { openDatabase, pgPool } from './db/data-source.js';
import { coerceError } from './errors.js';
import { createApolloServer } from './graphql/apollo.js';
import { ResolverContainer } from './graphql/container.js';
import type { Context } from './graphql/context.js';
import { ModelResolver } from './graphql/model.resolver.js';
import { PredictionPreviewResolver } from './graphql/prediction-preview.resolver.js';
import { PredictionResolver } from './graphql/prediction.resolver.js';
import { createAppPubSub } from './graphql/pubsub.js';
import { startPredictionTransport } from './graphql/pubsub-transport.js';
import { rateLimitField } from './graphql/limits.js';
import { buildAppSchema } from './graphql/schema.js';
import { attachGraphQLWebSocket } from './graphql/ws.js';
import { mountRoutes } from './http/app.js';
import { exportRouter } from './http/export.js';
import { importRouter } from './http/import.js';
import { createRateLimit } from './http/rate-limit.js';
import { cachedVersionLookup, instrumentSchema } from './observability/graphql-metrics.js';
import { AppMetrics } from './observability/metrics.js';
import { createLogger, type Logger } from './logger.js';
import { startTrainingFeature } from './jobs/setup.js';
import { initBackend } from './ml/backend.js';
import { ClassifierService } from './services/classifier.service.js';
import { ModelService } from './services/model.service.js';
import { ExportService } from './services/export.service.js';
import { ImportService } from './services/import.service.js';
import { DrawingInputPool } from './services/drawing-input.pool.js';
import { findPredictionPayloads, PredictionService } from './services/prediction.service.js';
import { userDataResolvers } from './graphql/user-data.js';

export interface RunningServer {
  /** `http://host:port` (127.0.0.1 when bound to all interfaces). */
  readonly url: string;
  /** `ws://host:port/graphql`. */
  readonly wsUrl: string;
  readonly port: number;
  /** Connection string of the database in use (the embedded one's when DATABASE_URL is unset); never log it. */
  readonly databaseUrl: string;
  readonly config: Config;
  readonly logger: Logger;
  /** Stops accepting, drains HTTP and WebSocket, frees the model, closes the database. Idempotent. */
  close(): Promise<void>;
}

/** The active model, or the committed default one imported into an empty database first. */
async function prepareModel(models: ModelService, classifier: ClassifierService, config: Config, logger: Logger) {
  const dir = config.defaultModelDir;
  if (existsSync(join(dir, 'model.json'))) {
    try {
      await models.importDefaultIfEmpty(dir);
    } catch (error) {
      logger.error({ err: coerceError(error), dir }, 'cannot import the default model; classify answers MODEL_NOT_READY');
    }
  }
  try {
    const version = await classifier.loadActive();
    if (!version) {
      logger.warn(
        { defaultModelDir: dir },
        `no model version is active and ${join(dir, 'model.json')} does not exist: classify answers MODEL_NOT_READY ` +
          'and /healthz 503 until a model is trained (npm run train) and the server restarted',
      );
    }
  } catch (error) {
    logger.error({ err: coerceError(error) }, 'cannot load the active model; classify answers MODEL_NOT_READY');
  }
}

/** The SvelteKit handler from `client/build/handler.js`, when the client was built. */
async function loadClientHandler(logger: Logger): Promise<RequestHandler | undefined> {
  const file = join(REPO_ROOT, 'client', 'build', 'handler.js');
  if (!existsSync(file)) {
    logger.info('client/build/handler.js not found: serving the API only (build the client with npm run build)');
    return undefined;
  }
  try {
    const module = (await import(pathToFileURL(file).href)) as { handler?: RequestHandler };
    if (typeof module.handler !== 'function') throw new Error('it exports no `handler` function');
    return module.handler;
  } catch (error) {
    logger.error({ err: coerceError(error) }, 'cannot load the SvelteKit client handler; serving the API only');
    return undefined;
  }
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Starts the whole server. `overrides` replace configuration read from
 * `env` (tests pass `{ port: 0, databaseUrl, ... }`).
 *
 * @throws ConfigError for a wrong environment variable; anything else that
 *   stops start-up after everything started so far was closed again
 */
export async function startServer(overrides: Partial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Promise<RunningServer> {
  const config = withOverrides(loadConfig(env), overrides);
  assertAdminTokenConfigured(config);
  const logger = createLogger(config);
  const production = config.nodeEnv === 'production';
  const undo: Array<() => Promise<void> | void> = [];
  const unwind = async () => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (error) {
        logger.error({ err: coerceError(error) }, 'error while closing');
      }
    }
  };

  if (!config.adminToken) {
    logger.warn(
      'ADMIN_TOKEN is not set: admin operations (training, model activation, exports) are allowed only from this machine; ' +
        'set ADMIN_TOKEN to allow them remotely with `Authorization: Bearer <token>`',
    );
  }
  try {
    await initBackend({ backend: config.tfBackend, log: (message) => logger.info(message) });
    const db = await openDatabase(config, logger);
    undo.push(() => db.close());

    const models = new ModelService(db.dataSource, logger);
    const classifier = new ClassifierService(models, logger, { thread: config.inferenceThread, backend: config.tfBackend });
    undo.push(() => classifier.dispose());
    await prepareModel(models, classifier, config, logger);
    const training = await startTrainingFeature({ config, logger, dataSource: db.dataSource, models, classifier });
    undo.push(() => training.close());

    const metrics = new AppMetrics({
      db: db.dataSource,
      activeModelVersion: () => classifier.activeVersion?.version,
      threadMemory: () => classifier.threadMemory,
    });
    // predictionAdded / predictionLabeled through Postgres NOTIFY: subscribers on any instance see every instance's.
    const transport = await startPredictionTransport({
      connectionString: db.url,
      db: db.dataSource,
      loadAdded: (ids) => findPredictionPayloads(db.dataSource, ids),
      logger: logger.child({ component: 'prediction-events' }),
    });
    undo.push(() => transport.close());
    const pubSub = createAppPubSub(transport.eventTarget);
    const drawingInputs = new DrawingInputPool(config, { threads: config.preprocessThreads });
    undo.push(() => drawingInputs.close());
    const predictions = new PredictionService(db.dataSource, classifier, pubSub, drawingInputs, logger, {
      announceAdded: (id) => transport.announceAdded(id),
    });
    const schema = await buildAppSchema({
      container: new ResolverContainer([
        new PredictionResolver(predictions, models),
        new PredictionPreviewResolver(predictions, models),
        new ModelResolver(models),
        ...training.resolvers,
        ...userDataResolvers(db.dataSource, pubSub, models),
      ]),
      pubSub,
    });
    training.bindSchema(schema);
    instrumentSchema(schema, metrics, { versionOf: cachedVersionLookup((id) => models.findByIdCached(id)) });
    // After the metrics hooks, so a refused call is counted as limited, not as a classify.
    const pool = pgPool(db.dataSource);
    const onLimited = (name: string) => metrics.rateLimited.inc({ limit: name });
    const classifyLimit = createRateLimit({ name: 'classify', points: config.classifyRateLimit, windowS: 60, store: config.rateLimitStore, pool });
    // One budget for both: each runs the model, and a preview spammer must not get a second one.
    if (classifyLimit) {
      rateLimitField(schema, classifyLimit, onLimited, [
        { type: 'Mutation', name: 'classify' },
        { type: 'Query', name: 'preview' },
      ]);
    }
    const trainingLimit = createRateLimit({ name: 'startTraining', points: config.trainingRateLimit, windowS: 3600, store: config.rateLimitStore, pool });
    if (trainingLimit) rateLimitField(schema, trainingLimit, onLimited);
    const adminAuth = new AdminAuth(config.adminToken);
    const trust = compileTrust(config.trustProxy);
    const countErrorCode = (code: string) => metrics.graphqlErrors.inc({ code });

    const app = express();
    const httpServer = createServer(app);
    const webSocket = attachGraphQLWebSocket({
      httpServer,
      schema,
      logger,
      maxPayload: config.bodyLimit,
      maxQueryDepth: config.maxQueryDepth,
      production,
      adminAuth,
      trust,
      maxQueryComplexity: config.maxQueryComplexity,
      maxConnectionsPerIp: config.wsMaxConnectionsPerIp,
      maxSubscriptions: config.wsMaxSubscriptions,
      initTimeoutMs: config.wsInitTimeoutMs,
      onConnectionCount: (open) => metrics.wsConnections.set(open),
      onErrorCode: countErrorCode,
    });
    const apollo = createApolloServer({
      schema,
      httpServer,
      webSocket,
      logger,
      maxQueryDepth: config.maxQueryDepth,
      maxQueryComplexity: config.maxQueryComplexity,
      production,
      onErrorCode: countErrorCode,
      stopGracePeriodMillis: config.shutdownTimeoutMs,
    });
    await apollo.start();
    // Stopping Apollo drains the HTTP server and disposes of the WebSockets.
    undo.push(() => apollo.stop());

    mountRoutes(app, {
      logger,
      bodyLimit: config.bodyLimit,
      adminAuth,
      trustProxy: config.trustProxy,
      metrics,
      metricsToken: config.metricsToken,
      readiness: {
        modelVersion: () => classifier.activeVersion?.version,
        pingDatabase: async () => {
          await db.dataSource.query('SELECT 1');
        },
      },
      graphql: expressMiddleware(apollo, {
        context: async ({ res }): Promise<Context> => {
          // Set by the adminAccess middleware from `Authorization` and the caller's address.
          const admin = adminAccessOf(res);
          return {
            requestId: String(res.locals.requestId),
            // Set by the clientIdCookie middleware: x-client-id, else the cookie (a new one on first visit).
            clientId: (res.locals.clientId as string | null | undefined) ?? null,
            isAdmin: admin.granted && admin.via === 'token',
            admin,
            ip: String(res.locals.ip),
            logger: (res.locals.logger as Logger | undefined) ?? logger,
          };
        },
      }),
      routes: [
        exportRouter({ exports: new ExportService(db.dataSource), logger }),
        importRouter({ imports: new ImportService(db.dataSource, classifier), logger }),
      ],
      client: await loadClientHandler(logger),
    });

    const address = await listen(httpServer, config.port, config.host);
    const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    const url = `http://${hostPart}:${address.port}`;
    logger.info({ url, model: classifier.activeVersion?.version ?? null }, 'MNIST Studio is listening');

    let closing: Promise<void> | undefined;
    return {
      url,
      wsUrl: `ws://${hostPart}:${address.port}/graphql`,
      port: address.port,
      databaseUrl: db.url,
      config,
      logger,
      close: () =>
        (closing ??= (async () => {
          logger.info('shutting down');
          await unwind();
          logger.info('stopped');
        })()),
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}

async function main(): Promise<void> {
  let server: RunningServer;
  try {
    server = await startServer();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
    } else {
      console.error('MNIST Studio failed to start:', coerceError(error));
    }
    process.exit(1);
  }
  let signalled = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (signalled) {
      server.logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(130);
    }
    signalled = true;
    server.logger.info({ signal }, 'signal received');
    // Whatever hangs (a stuck socket, a slow Postgres), the process ends.
    setTimeout(() => process.exit(1), server.config.shutdownTimeoutMs + 5_000).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: coerceError(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
