import { join, resolve } from 'node:path';
import { type Config } from '../config.js';
import { type Logger } from '../logger.js';
import { AirflowClient } from './airflow/airflow.client.js';
import { type CassandraConnection } from './cassandra/cassandra.connection.js';
import { EmbeddedConnection } from './catalog/embedded.connection.js';
import { type MongoConnection } from './catalog/mongo.connection.js';
import { type InfluxConnection } from './influx/influx.connection.js';
import { type Neo4jConnection } from './neo4j/neo4j.connection.js';
import { FsConnection } from './rawstore/fs.connection.js';
import { type S3Connection } from './rawstore/s3.connection.js';
import { type RedisConnection } from './redis/redis.connection.js';
import { fetchDispatcher, readTls } from './tls.js';
import { type SourceName, type StoreConnection, type StoreKind } from './types.js';

/** Every role the lake knows, in display order, with the store that fills it when one is configured. */
export const SOURCE_ROLES: ReadonlyArray<{ name: SourceName; kind: StoreKind }> = [
  { name: 'raw', kind: 'S3' },
  { name: 'catalog', kind: 'MONGODB' },
  { name: 'timeseries', kind: 'INFLUXDB' },
  { name: 'graph', kind: 'NEO4J' },
  { name: 'tables', kind: 'CASSANDRA' },
  { name: 'broker', kind: 'REDIS' },
  { name: 'airflow', kind: 'AIRFLOW' },
];

/** The raw zone and the catalog always exist (embedded when no URL is given); the rest are optional. */
export interface Sources {
  raw: S3Connection | FsConnection;
  catalog: MongoConnection | EmbeddedConnection;
  timeseries?: InfluxConnection;
  graph?: Neo4jConnection;
  tables?: CassandraConnection;
  broker?: RedisConnection;
  airflow?: AirflowClient;
}

/**
 * Opens a connection for each store. Drivers connect lazily, so a down store does not stop start-up; and
 * a store's driver is only loaded when the store is configured (together they take half a second to load).
 */
export async function openSources(config: Config, logger: Logger | null = null): Promise<Sources> {
  const { stores, sourceTimeoutMs: t } = config;
  const dataDir = resolve(config.dataDir);
  const tls = readTls(config.tls);
  return {
    raw: stores.s3
      ? new (await import('./rawstore/s3.connection.js')).S3Connection(stores.s3, t, tls)
      : new FsConnection(join(dataDir, 'raw'), t),
    catalog: stores.mongodb
      ? new (await import('./catalog/mongo.connection.js')).MongoConnection(
          stores.mongodb.url,
          t,
          tls,
          stores.mongodb.commandEvents,
          logger,
        )
      : new EmbeddedConnection(join(dataDir, 'catalog'), t),
    timeseries: stores.influx
      ? new (await import('./influx/influx.connection.js')).InfluxConnection(stores.influx, t, tls)
      : undefined,
    graph: stores.neo4j
      ? new (await import('./neo4j/neo4j.connection.js')).Neo4jConnection(stores.neo4j, t, tls)
      : undefined,
    tables: stores.cassandra
      ? new (await import('./cassandra/cassandra.connection.js')).CassandraConnection(
          stores.cassandra,
          t,
          config.sourceWriteTimeoutMs,
          tls,
        )
      : undefined,
    broker: stores.redis
      ? new (await import('./redis/redis.connection.js')).RedisConnection(stores.redis, t, tls)
      : undefined,
    airflow: stores.airflow
      ? new AirflowClient(
          stores.airflow.url,
          { pingMs: t, callMs: config.sourceWriteTimeoutMs },
          { dispatcher: fetchDispatcher(tls) },
        )
      : undefined,
  };
}

export function connectionsOf(sources: Sources): StoreConnection[] {
  return Object.values(sources).filter((c): c is StoreConnection => c !== undefined);
}

export async function closeSources(sources: Sources): Promise<void> {
  await Promise.allSettled(connectionsOf(sources).map((c) => c.close()));
}
