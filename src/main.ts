import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { GRAPHQL_PATH, startGateway } from './server/app.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`lakegate: ${error.message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  const gateway = await startGateway(config, logger);
  const statuses = await gateway.services.checkSources();
  logger.info(
    { sources: Object.fromEntries(statuses.map((s) => [s.name, s.state])) },
    `lakegate listening on ${gateway.url}${GRAPHQL_PATH}`,
  );
  if (config.auth.localSecretFile) {
    logger.info(
      { secretFile: config.auth.localSecretFile },
      'every request needs a bearer token; without AUTH_JWT_SECRET tokens are signed with a secret kept in the data folder: mint one with `npm run token -- --admin` and send it as "Authorization: Bearer <token>"',
    );
  }

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'draining');
    const force = setTimeout(() => process.exit(1), config.shutdownGraceMs + 5000).unref();
    gateway.close().then(
      () => {
        clearTimeout(force);
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `lakegate: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
