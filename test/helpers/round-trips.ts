import type cassandra from 'cassandra-driver';
import { type MongoConnection } from '../../src/datasources/catalog/mongo.connection.js';
import { type TestGateway } from './gateway.js';

/** Counts round trips to each store while a query runs. */
export async function roundTrips(gateway: TestGateway, influxUrl: string, query: () => Promise<unknown>) {
  const counts = { catalog: 0, timeseries: 0, graph: 0, tables: 0 };
  const mongo = (gateway.services.sources.catalog as MongoConnection).client;
  const onCommand = () => counts.catalog++;
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    if (String(input instanceof Request ? input.url : input).startsWith(`${influxUrl}/query`))
      counts.timeseries++;
    return realFetch(input, init);
  };
  const graph = gateway.services.graph as unknown as { queries: number };
  const graphBefore = graph.queries;
  const client = gateway.services.sources.tables!.client as unknown as {
    options: { requestTracker: cassandra.tracker.RequestTracker | null };
  };
  client.options.requestTracker = {
    onSuccess: () => counts.tables++,
    onError: () => counts.tables++,
    shutdown: () => {},
  } as cassandra.tracker.RequestTracker;
  mongo.on('commandStarted', onCommand);
  try {
    await query();
  } finally {
    mongo.off('commandStarted', onCommand);
    globalThis.fetch = realFetch;
    client.options.requestTracker = null;
  }
  counts.graph = graph.queries - graphBefore;
  return counts;
}
