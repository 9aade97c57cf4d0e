import { randomBytes } from 'node:crypto';
import { type PubSub } from 'type-graphql';
import { type Config } from '../config.js';
import { type Airflow } from '../datasources/airflow/airflow.client.js';
import { type TableStore } from '../datasources/cassandra/table.store.js';
import { type Catalog, type EventLog } from '../datasources/catalog/catalog.js';
import { type RunStore } from '../datasources/catalog/runs.js';
import { checkSources, type SourceStatus } from '../datasources/health.js';
import { type GraphStore } from '../datasources/neo4j/graph.store.js';
import { type TimeSeriesStore } from '../datasources/influx/timeseries.store.js';
import { FsRawStore } from '../datasources/rawstore/fs.raw-store.js';
import { type RawStore } from '../datasources/rawstore/raw-store.js';
import { GrantSigner } from '../datasources/rawstore/url-token.js';
import { closeSources, openSources, type Sources } from '../datasources/sources.js';
import { IngestionFeed } from '../ingestion/feed.js';
import { IdempotencyKeys } from '../ingestion/idempotency.js';
import { ObjectLifecycle } from '../ingestion/lifecycle.js';
import { PresignedUploads } from '../ingestion/presigned-upload.js';
import { Projects } from '../ingestion/projects.js';
import { Reconciler } from '../ingestion/reconciler.js';
import { StreamUploads } from '../ingestion/stream-upload.js';
import { resolveTokenSettings } from '../auth/local-secret.js';
import { TokenVerifier } from '../auth/tokens.js';
import { type Logger } from '../logger.js';
import { RunExecutor } from '../pipelines/executor.js';
import { InProcessQueue } from '../pipelines/queue.js';
import { builtInSteps } from '../pipelines/registry.js';
import { PipelineRuns } from '../pipelines/runs.js';
import { InMemoryPubSub } from '../subscriptions/pubsub.js';
import { RedisPubSub } from '../subscriptions/redis-pubsub.js';
import { SourceMonitor } from '../subscriptions/source-monitor.js';

/** Long-lived objects shared by all requests: store connections and what is built on them. */
export interface Services {
  config: Config;
  sources: Sources;
  checkSources(): Promise<SourceStatus[]>;
  sourceMonitor: SourceMonitor;
  pubSub: PubSub;
  raw: RawStore;
  catalog: Catalog & EventLog & RunStore;
  /** Time series (InfluxDB); null without INFLUX_URL. */
  timeseries: TimeSeriesStore | null;
  pipelines: PipelineRuns;
  /** Verifies bearer tokens. */
  tokens: TokenVerifier;
  /** Images and the things they contain (Neo4j); null without NEO4J_URL. */
  graph: GraphStore | null;
  /** Workflows pipeline steps trigger; null without AIRFLOW_URL. */
  airflow: Airflow | null;
  feed: IngestionFeed;
  projects: Projects;
  streamUploads: StreamUploads;
  presignedUploads: PresignedUploads;
  reconciler: Reconciler;
  /** Gold tables in Cassandra; null without CASSANDRA_URL. */
  tables: TableStore | null;
  /** The embedded raw store serves its own URLs; null with S3. */
  fsRaw: { store: FsRawStore; signer: GrantSigner } | null;
  /** Prepares the stores (indexes, journal), starts the reconciler; call once the gateway listens at `baseUrl`. */
  start(baseUrl: string): Promise<void>;
  close(): Promise<void>;
}

/** Store-specific modules (and their drivers) are loaded only for the stores the config names. */
export async function createServices(config: Config, logger: Logger): Promise<Services> {
  const sources = await openSources(config, logger);
  const check = () => checkSources(sources, logger);
  const sourceMonitor = new SourceMonitor(check, config.sourcePollMs);
  const pubSub: PubSub & { close?: () => void } = sources.broker
    ? new RedisPubSub(sources.broker.client, sources.broker.client.duplicate(), logger)
    : new InMemoryPubSub();

  let baseUrl = config.publicUrl ?? '';
  let fsRaw: Services['fsRaw'] = null;
  let raw: RawStore;
  if (sources.raw.kind === 'S3') {
    const { S3RawStore } = await import('../datasources/rawstore/s3.raw-store.js');
    raw = new S3RawStore(sources.raw, {
      bucketPrefix: config.s3BucketPrefix,
      partSize: config.uploads.partSize,
      partConcurrency: 2,
    });
  } else {
    const signer = new GrantSigner(config.rawUrlSecret ? Buffer.from(config.rawUrlSecret) : randomBytes(32));
    const store = new FsRawStore(sources.raw, signer, () => baseUrl);
    fsRaw = { store, signer };
    raw = store;
  }
  const mongo = sources.catalog.kind === 'MONGODB' ? sources.catalog : null;
  const { catalog, ingestionCatalog } = await openCatalogs(sources.catalog, config.sourceWriteTimeoutMs);

  const feed = new IngestionFeed(ingestionCatalog, pubSub, logger);
  const lifecycle = new ObjectLifecycle(ingestionCatalog, raw, feed, logger, config.uploads.pendingTimeoutMs);
  const keys = new IdempotencyKeys(ingestionCatalog);
  const projects = new Projects(ingestionCatalog, lifecycle);
  const u = config.uploads;
  const reconciler = new Reconciler(lifecycle, keys, u.pendingTimeoutMs, logger);
  const graph = sources.graph
    ? new (await import('../datasources/neo4j/graph.store.js')).Neo4jGraphStore(sources.graph, {
        readTimeoutMs: config.sourceTimeoutMs,
        writeTimeoutMs: config.sourceWriteTimeoutMs,
      })
    : null;
  const timeseries = sources.timeseries
    ? new (await import('../datasources/influx/timeseries.store.js')).InfluxTimeSeriesStore(
        sources.timeseries,
        {
          ...config.timeseries,
          readTimeoutMs: config.sourceTimeoutMs,
          writeTimeoutMs: config.sourceWriteTimeoutMs,
        },
      )
    : null;
  const tables = sources.tables
    ? new (await import('../datasources/cassandra/table.store.js')).CassandraTableStore(sources.tables, {
        replicationFactor: config.cassandra.replicationFactor,
        concurrency: config.cassandra.writeConcurrency,
      })
    : null;
  const p = config.pipelines;
  const executor = new RunExecutor({
    catalog: ingestionCatalog,
    raw,
    feed,
    steps: builtInSteps({
      pubSub,
      timeseries,
      graph,
      tables,
      airflow: sources.airflow ?? null,
      airflowPollMs: config.stores.airflow?.pollIntervalMs,
    }),
    definitions: p.definitions,
    leaseMs: p.leaseMs,
    progressIntervalMs: u.progressIntervalMs,
    logger,
  });
  // Runs are shared through Redis only by gateways that share a catalog: the queue is named after it.
  const queue =
    config.stores.redis && mongo
      ? new (await import('../pipelines/bullmq-queue.js')).BullMqQueue(
          `lakegate-runs-${mongo.db.databaseName}`,
          config.stores.redis,
          p.concurrency,
          config.sourceTimeoutMs,
          logger,
        )
      : new InProcessQueue(p.concurrency, logger);
  const pipelines = new PipelineRuns(
    ingestionCatalog,
    feed,
    queue,
    executor,
    p.definitions,
    { leaseMs: p.leaseMs, sweepIntervalMs: Math.max(p.leaseMs / 2, 1000) },
    logger,
  );
  lifecycle.onStored = (project, entry) =>
    project.profile.pipelineOnUpload
      ? pipelines.afterUpload(project.name, entry.objectId)
      : Promise.resolve(null);
  let retryInit: NodeJS.Timeout | undefined;

  return {
    config,
    sources,
    checkSources: check,
    sourceMonitor,
    pubSub,
    raw,
    catalog,
    graph,
    airflow: sources.airflow ?? null,
    timeseries,
    feed,
    pipelines,
    tokens: new TokenVerifier(resolveTokenSettings(config.auth)),
    projects,
    streamUploads: new StreamUploads(lifecycle, keys, u, logger),
    presignedUploads: new PresignedUploads(
      lifecycle,
      keys,
      {
        maxFileSize: u.maxFileSize,
        expiresInSeconds: u.presignExpiresSeconds,
        multipartThreshold: u.presignMultipartThreshold,
        partSize: u.presignPartSize,
        pendingTimeoutMs: u.pendingTimeoutMs,
      },
      (name) => projects.get(name),
    ),
    reconciler,
    tables,
    fsRaw,
    async start(url) {
      baseUrl = config.publicUrl ?? url;
      if (mongo) {
        // A catalog that is down at start-up must not stop the gateway: its indexes are made when it is back.
        // Making them is a write: it gets the write deadline.
        const init = () =>
          ingestionCatalog.init().then(
            () => (retryInit = undefined),
            (error: unknown) => {
              logger.warn({ err: error }, 'catalog not ready; retrying in 5 s');
              // unref: a retry still due must not keep a closed gateway's process alive
              retryInit = setTimeout(init, 5000).unref();
            },
          );
        await init();
      } else {
        await catalog.init();
      }
      reconciler.start(u.reconcileIntervalMs);
      pipelines.start(p.concurrency > 0);
    },
    async close() {
      clearTimeout(retryInit);
      await reconciler.stop();
      await pipelines.close();
      sourceMonitor.stop();
      pubSub.close?.();
      await closeSources(sources);
    },
  };
}

type FullCatalog = Catalog & EventLog & RunStore & { init(): Promise<void> };

/** GraphQL reads use the short per-store deadline; ingestion uses the longer write deadline. */
async function openCatalogs(
  connection: Sources['catalog'],
  writeTimeoutMs: number,
): Promise<{ catalog: FullCatalog; ingestionCatalog: FullCatalog }> {
  if (connection.kind === 'EMBEDDED')
    return { catalog: connection.catalog, ingestionCatalog: connection.catalog };
  const { MongoCatalog } = await import('../datasources/catalog/mongo.catalog.js');
  return {
    catalog: new MongoCatalog(connection),
    ingestionCatalog: new MongoCatalog(connection, writeTimeoutMs),
  };
}
