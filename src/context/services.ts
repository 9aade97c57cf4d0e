import { type Config } from '../config.js';
import { checkSources, type SourceStatus } from '../datasources/health.js';
import { closeSources, openSources, type Sources } from '../datasources/sources.js';
import { type Logger } from '../logger.js';
import { InMemoryPubSub } from '../subscriptions/pubsub.js';
import { SourceMonitor } from '../subscriptions/source-monitor.js';
import { type PubSub } from 'type-graphql';

/** Long-lived objects shared by all requests: store connections and what is built on them. */
export interface Services {
  config: Config;
  sources: Sources;
  checkSources(): Promise<SourceStatus[]>;
  sourceMonitor: SourceMonitor;
  pubSub: PubSub;
  close(): Promise<void>;
}

export function createServices(config: Config, logger: Logger): Services {
  const sources = openSources(config);
  const check = () => checkSources(sources, logger);
  const sourceMonitor = new SourceMonitor(check, config.sourcePollMs);
  return {
    config,
    sources,
    checkSources: check,
    sourceMonitor,
    pubSub: new InMemoryPubSub(),
    async close() {
      sourceMonitor.stop();
      await closeSources(sources);
    },
  };
}
