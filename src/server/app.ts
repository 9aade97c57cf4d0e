import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { type Config } from '../config.js';
import { createContext, type Context } from '../context/context.js';
import { createServices, type Services } from '../context/services.js';
import { createErrorFormatter } from '../errors/format.js';
import { type Logger } from '../logger.js';
import { buildLakegateSchema } from '../schema/build-schema.js';
import { bodyErrors, createErrorReporter, errorLoggingPlugin } from './errors.js';
import { graphiqlPage } from './graphiql.js';
import { healthRoutes } from './health.js';
import { MAX_MESSAGE_BYTES, operationChecks } from './limits.js';
import { bearerAuth, requestPrincipal } from './auth.js';
import { graphqlMultipart } from './multipart.js';
import { RateLimiter, rateLimits } from './rate-limit.js';
import { rawRoutes } from './raw-route.js';
import { requestLogging } from './request-id.js';
import { attachWebSocket } from './ws.js';

export const GRAPHQL_PATH = '/graphql';

const noStore: express.RequestHandler = (_req, res, next) => {
  res.setHeader('cache-control', 'no-store');
  next();
};

export interface Gateway {
  /** Base URL, e.g. http://127.0.0.1:4000 */
  url: string;
  services: Services;
  /** Stops taking work, lets running requests and sockets finish (up to the grace period), closes stores. */
  close(): Promise<void>;
}

export async function startGateway(config: Config, logger: Logger): Promise<Gateway> {
  const services = await createServices(config, logger);
  const schema = await buildLakegateSchema(services.pubSub);
  const app = express();
  const httpServer = createServer(app);
  const checks = operationChecks(config.operationLimits);
  const limits = {
    requests: new RateLimiter(config.rateLimits.requestsPerMinute),
    uploads: new RateLimiter(config.rateLimits.uploadsPerMinute),
  };
  const ws = attachWebSocket(
    httpServer,
    GRAPHQL_PATH,
    schema,
    services,
    logger,
    createErrorReporter(config.production),
    {
      checks,
      introspection: config.introspection,
      initTimeoutMs: config.wsInitTimeoutMs,
      keepAliveMs: config.wsKeepAliveMs,
      limiter: limits.requests,
    },
  );

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.introspection,
    parseOptions: checks.parseOptions,
    validationRules: [...checks.validationRules],
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: !config.production,
    formatError: createErrorFormatter(config.production),
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      { serverWillStart: async () => ({ drainServer: async () => ws.dispose() }) },
      ApolloServerPluginLandingPageDisabled(),
      // No field has a cache hint; the plugin's per-field hook made every resolver slower. The header
      // it sent (answers are per caller) is set below.
      ApolloServerPluginCacheControlDisabled(),
      errorLoggingPlugin(),
    ],
  });
  await apollo.start();

  app.disable('x-powered-by');
  // Answers are no-store: an ETag would only cost a hash of every response body.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxyHops);
  app.use(requestLogging(logger));
  app.use(healthRoutes(services));
  if (services.fsRaw) app.use(rawRoutes(services.fsRaw.store, services.fsRaw.signer));
  if (config.graphiql) app.get(GRAPHQL_PATH, graphiqlPage(GRAPHQL_PATH));
  app.use(
    GRAPHQL_PATH,
    noStore,
    bearerAuth(services.tokens),
    rateLimits(limits),
    express.json({ limit: MAX_MESSAGE_BYTES }),
    // One more byte than the largest file: the project's own limit answers first, with FILE_TOO_LARGE.
    graphqlMultipart({
      maxFileSize: config.uploads.maxFileSize + 1,
      maxFiles: config.uploads.maxFiles,
      maxFieldSize: 1024 * 1024,
    }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) =>
        createContext(services, req.id, req.log, {
          idempotencyKey: req.header('idempotency-key'),
          principal: requestPrincipal(res),
        }),
    }),
    bodyErrors(),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, resolve);
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  try {
    await services.start(url);
  } catch (error) {
    await apollo.stop();
    await services.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    services,
    close: () =>
      (closing ??= (async () => {
        await apollo.stop();
        await services.close();
      })()),
  };
}
