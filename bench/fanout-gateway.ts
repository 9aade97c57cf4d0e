// A gateway in its own process, on the embedded defaults (data in the folder given as argument), that
// publishes progress events of one project through its feed when told to: the path of every upload's
// and pipeline run's events (event log first, then PubSub), without the uploads' own work.
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startGateway } from '../src/server/app.js';
import { TEST_SECRET } from '../test/helpers/gateway.js';
import {
  PROJECT,
  TOTAL_BYTES,
  UPLOAD_ID,
  pace,
  type PublishCommand,
  type PublishReport,
} from './fanout-shared.js';

const config = loadConfig({
  PORT: '0',
  DATA_DIR: process.argv[2]!,
  AUTH_JWT_SECRET: TEST_SECRET,
  LOG_LEVEL: 'info',
});
const gateway = await startGateway(config, createLogger(config.logLevel));
await gateway.services.projects.create(PROJECT, {});

process.on('message', (command: PublishCommand) => {
  const { rate, seconds } = command.publish;
  const published: Promise<unknown>[] = [];
  void pace(rate, seconds, (scheduledAt) => {
    published.push(
      gateway.services.feed.publish({
        project: PROJECT,
        type: 'BYTES_RECEIVED',
        uploadId: UPLOAD_ID,
        objectId: 1,
        bytes: scheduledAt,
        totalBytes: TOTAL_BYTES,
      }),
    );
  }).then(async (report) => {
    await Promise.all(published);
    process.send!(report satisfies PublishReport);
  });
});
// Without a graceful close: the data folder is the orchestrator's to remove.
for (const event of ['disconnect', 'SIGTERM']) process.on(event, () => process.exit(0));
process.send!({ url: gateway.url });
