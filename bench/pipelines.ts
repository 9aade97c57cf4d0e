import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import cassandra from 'cassandra-driver';
import { InfluxDB } from '@influxdata/influxdb-client';
import neo4j from 'neo4j-driver';
import { cassandraClientOptions } from '../src/datasources/cassandra/cassandra.connection.js';
import { keyspaceFor } from '../src/datasources/cassandra/cql-names.js';
import { loadConfig } from '../src/config.js';
import { createServices, type Services } from '../src/context/services.js';
import { type ProjectRecord } from '../src/datasources/catalog/catalog.js';
import { createLogger } from '../src/logger.js';
import { PNG } from '../test/helpers/graph.js';
import { stackUrl } from '../test/helpers/stack.js';
import { writePointsDirect } from './influx-direct.js';
import { ratio, timed } from './lib.js';

const IMAGES = 10_000;
const ROWS = 100_000;
const POINTS = 100_000;
const THING_NAMES = 200;
const THINGS_PER_IMAGE = 5;

/** Things of image i: a deterministic mix of the name pool, the first one main. */
function thingsOf(i: number): { name: string; role: 'main' | 'secondary' }[] {
  return Array.from({ length: THINGS_PER_IMAGE }, (_, k) => ({
    name: `thing-${(i * 7 + k * 13) % THING_NAMES}`,
    role: k === 0 ? 'main' : 'secondary',
  }));
}

async function inBatches<T>(items: T[], size: number, fn: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await fn(items.slice(i, i + size));
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** The baseline: the same images and things, written with the driver in UNWIND batches of 1,000. */
async function directImages(project: string): Promise<number> {
  const driver = neo4j.driver(stackUrl('NEO4J_URL'));
  const images = Array.from({ length: IMAGES }, (_, i) => ({ objectId: i + 1, things: thingsOf(i) }));
  try {
    const { seconds } = await timed(() =>
      inBatches(images, 1000, (batch) =>
        driver.executeQuery(
          `UNWIND $batch AS img
           MERGE (i:Image {project: $project, objectId: img.objectId})
           WITH i, img UNWIND img.things AS thing
           MERGE (t:Thing {project: $project, name: thing.name})
           MERGE (i)-[r:CONTAINS]->(t) SET r.role = thing.role`,
          { batch, project },
        ),
      ),
    );
    return seconds;
  } finally {
    await driver.close();
  }
}

/** Waits until every object of the project has a SUCCEEDED run (asking only about the others). */
async function untilRunsFinish(
  services: Services,
  project: string,
  objectIds: number[],
  pollMs = 250,
): Promise<void> {
  let waiting = objectIds;
  while (waiting.length > 0) {
    await new Promise((r) => setTimeout(r, pollMs));
    const runs = await services.catalog.runsOfEntries(project, waiting.slice(0, 500));
    const failed = runs.find((r) => r.status === 'FAILED');
    if (failed) throw new Error(`run failed: ${JSON.stringify(failed.error)}`);
    const done = new Set(runs.filter((r) => r.status === 'SUCCEEDED').map((r) => r.objectId));
    waiting = waiting.filter((id) => !done.has(id));
  }
}

/** 10,000 annotated images, each its own object and run, through the image-to-neo4j pipeline. */
async function pipelineImages(services: Services, project: ProjectRecord): Promise<{ seconds: number }> {
  const objectIds: number[] = [];
  await pool(
    Array.from({ length: IMAGES }, (_, i) => i),
    16,
    async (i) => {
      const content = Buffer.concat([PNG, Buffer.from(String(i))]);
      const { entry } = await services.streamUploads.upload(project, {
        body: Readable.from([content]),
        fileName: `img-${i}.png`,
        contentType: 'image/png',
        declaredSize: content.length,
        owner: 'bench',
        application: null,
        otherData: {
          imageContent: {
            mainObjects: [thingsOf(i)[0]!.name],
            secondaryObjects: thingsOf(i)
              .slice(1)
              .map((t) => t.name),
          },
        },
        dataProcessing: 'default',
        idempotencyKey: null,
      });
      objectIds.push(entry.objectId);
    },
  );
  return timed(async () => {
    await pool(objectIds, 32, (id) => services.pipelines.trigger(project.name, id, 'graph'));
    await untilRunsFinish(services, project.name, objectIds);
  });
}

/** Stores one object in-process and waits for the named pipeline to process it; resolves to those seconds. */
async function oneObjectRun(
  services: Services,
  project: ProjectRecord,
  file: { name: string; type: string; content: Buffer; otherData: Record<string, unknown> | null },
  pipeline: string,
): Promise<number> {
  const { entry } = await services.streamUploads.upload(project, {
    body: Readable.from([file.content]),
    fileName: file.name,
    contentType: file.type,
    declaredSize: file.content.length,
    owner: 'bench',
    application: null,
    otherData: file.otherData,
    dataProcessing: 'default',
    idempotencyKey: null,
  });
  const { seconds } = await timed(async () => {
    await services.pipelines.trigger(project.name, entry.objectId, pipeline);
    // One run: poll often, or the poll interval would be most of what is measured.
    await untilRunsFinish(services, project.name, [entry.objectId], 10);
  });
  return seconds;
}

const csvRow = (i: number) => [
  `station-${i % 50}`,
  new Date(1_700_000_000_000 + i * 1000).toISOString(),
  (i % 400) / 10,
  i % 100,
];

/** 100,000 CSV rows as one object through csv-to-cassandra, and the same rows with the driver. */
async function rowsBenchmark(
  services: Services,
  project: ProjectRecord,
): Promise<{ direct: number; piped: number }> {
  const header = 'station,at,temp,humidity';
  const rows = Array.from({ length: ROWS }, (_, i) => csvRow(i));
  const content = Buffer.from(`${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`);
  const piped = await oneObjectRun(
    services,
    project,
    { name: 'readings.csv', type: 'text/csv', content, otherData: null },
    'tables',
  );

  // The baseline: the same table shape (text columns, primary key ((object_id), row_number)) and the same
  // batching as the step: unlogged batches of 500 rows of one partition, 32 in flight, prepared INSERTs.
  const client = new cassandra.Client(cassandraClientOptions(stackUrl('CASSANDRA_URL'), 30_000));
  const keyspace = keyspaceFor(project.name);
  try {
    const direct = await timed(async () => {
      await client.execute(
        `CREATE TABLE IF NOT EXISTS ${keyspace}.direct_readings (object_id int, row_number int, run_id text,
         station text, at text, temp text, humidity text, PRIMARY KEY ((object_id), row_number))`,
      );
      const insert = `INSERT INTO ${keyspace}.direct_readings (object_id, row_number, run_id, station, at, temp, humidity) VALUES (?, ?, ?, ?, ?, ?, ?)`;
      const batches: { query: string; params: unknown[] }[][] = [];
      for (let i = 0; i < rows.length; i += 500) {
        batches.push(
          rows
            .slice(i, i + 500)
            .map((r, k) => ({ query: insert, params: [1, i + k + 1, 'direct', ...r.map(String)] })),
        );
      }
      await pool(batches, 32, (batch) => client.batch(batch, { prepare: true, logged: false }));
    });
    return { direct: direct.seconds, piped };
  } finally {
    await client.shutdown();
  }
}

/** 100,000 points as one JSON object through json-to-influx, and the same points with the driver. */
async function pointsBenchmark(
  services: Services,
  project: ProjectRecord,
): Promise<{ direct: number; piped: number }> {
  const start = Date.UTC(2024, 0, 1);
  const records = Array.from({ length: POINTS }, (_, i) => ({ at: start + i * 1000, v: i }));
  const template = { measurement: 'bench', timeField: 'at', timeFormat: 'ms', fields: ['v'] };
  const content = Buffer.from(JSON.stringify(records));
  const piped = await oneObjectRun(
    services,
    project,
    { name: 'points.json', type: 'application/json', content, otherData: { template } },
    'timeseries',
  );
  const client = new InfluxDB({
    url: stackUrl('INFLUX_URL'),
    token: stackUrl('INFLUX_TOKEN'),
    timeout: 30_000,
  });
  const direct = await timed(() =>
    writePointsDirect(client, stackUrl('INFLUX_ORG'), 'lakegate', 'bench_direct', POINTS, 5000),
  );
  return { direct: direct.seconds, piped };
}

export async function pipelineBenchmarks(): Promise<string[]> {
  const config = loadConfig({
    DATA_DIR: await mkdtemp(join(tmpdir(), 'bench-pipelines-')),
    NEO4J_URL: stackUrl('NEO4J_URL'),
    CASSANDRA_URL: stackUrl('CASSANDRA_URL'),
    INFLUX_URL: stackUrl('INFLUX_URL'),
    INFLUX_TOKEN: stackUrl('INFLUX_TOKEN'),
    INFLUX_ORG: stackUrl('INFLUX_ORG'),
    PIPELINE_CONCURRENCY: process.env['PIPELINE_CONCURRENCY'] ?? '16',
  });
  const services = await createServices(config, createLogger('silent'));
  await services.start('http://127.0.0.1:1');
  const suffix = Date.now().toString(36);
  try {
    const project = await services.projects.create(`bench-img-${suffix}`, {});
    const points = await pointsBenchmark(
      services,
      await services.projects.create(`bench-points-${suffix}`, {}),
    );
    const tables = await rowsBenchmark(services, await services.projects.create(`bench-rows-${suffix}`, {}));
    const direct = await directImages(`bench-direct-${suffix}`);
    const piped = await pipelineImages(services, project);
    return [
      `| Pipeline ingestion (embedded catalog, PIPELINE_CONCURRENCY=${config.pipelines.concurrency}) | direct driver, s | pipeline, s | ratio |`,
      '| --- | --- | --- | --- |',
      `| ${POINTS} JSON records to InfluxDB points (one object, one run) | ${points.direct.toFixed(2)} | ${points.piped.toFixed(2)} | ${ratio(points.direct, points.piped)} |`,
      `| ${ROWS} CSV rows to Cassandra (one object, one run) | ${tables.direct.toFixed(2)} | ${tables.piped.toFixed(2)} | ${ratio(tables.direct, tables.piped)} |`,
      `| ${IMAGES} annotated images to Neo4j (a run per image, ${THINGS_PER_IMAGE} things each) | ${direct.toFixed(2)} | ${piped.seconds.toFixed(2)} | ${ratio(direct, piped.seconds)} |`,
    ];
  } finally {
    await services.close();
  }
}
