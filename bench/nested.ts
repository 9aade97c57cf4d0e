import { print } from 'graphql';
import { MongoClient } from 'mongodb';
import neo4j from 'neo4j-driver';
import cassandra from 'cassandra-driver';
import { cassandraClientOptions } from '../src/datasources/cassandra/cassandra.connection.js';
import { keyspaceFor } from '../src/datasources/cassandra/cql-names.js';
import { IMAGES, SIMILAR_IMAGES } from '../src/datasources/neo4j/graph.cypher.js';
import { LakeViewDocument } from '../test/generated/graphql.js';
import { freshMongoUrl } from '../test/helpers/backends.js';
import { startTestGateway, type TestGateway } from '../test/helpers/gateway.js';
import { PNG } from '../test/helpers/graph.js';
import { createProject, uploadFile } from '../test/helpers/lake.js';
import { roundTrips } from '../test/helpers/round-trips.js';
import { stackUrl } from '../test/helpers/stack.js';
import { ratio } from './lib.js';

const OBJECTS = 99;
const ROUNDS = 30;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!;

async function latencies(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 5; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await fn();
    out.push(performance.now() - started);
  }
  return out;
}

/** A third each: JSON with a template, CSV, annotated PNG; every pipeline run to its end. */
async function seed(gateway: TestGateway, project: string): Promise<void> {
  for (let i = 0; i < OBJECTS; i++) {
    const kind = i % 3;
    const file =
      kind === 0
        ? {
            name: `r${i}.json`,
            type: 'application/json',
            content: Buffer.from(JSON.stringify([{ at: 1_700_000_000_000 + i, v: i }])),
          }
        : kind === 1
          ? { name: `t${i}.csv`, type: 'text/csv', content: Buffer.from(`a,b\n${i},x\n`) }
          : { name: `p${i}.png`, type: 'image/png', content: Buffer.concat([PNG, Buffer.from(String(i))]) };
    const otherData =
      kind === 0
        ? { template: { measurement: 'nested', timeField: 'at', timeFormat: 'ms', fields: ['v'] } }
        : kind === 2
          ? { imageContent: { mainObjects: [`t${i % 7}`], secondaryObjects: [`t${i % 5}`] } }
          : null;
    const { body } = await uploadFile(gateway, { project, metadata: { otherData } }, file);
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  }
  for (;;) {
    const runs = await gateway.services.catalog.runsOfEntries(
      project,
      Array.from({ length: OBJECTS }, (_, i) => i + 1),
    );
    if (runs.some((r) => r.status === 'FAILED')) throw new Error('a seed run failed');
    if (runs.length === OBJECTS && runs.every((r) => r.status === 'SUCCEEDED')) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The same data with hand-written driver calls: entries first, then one batched call per store, in parallel. */
function handWritten(project: string, mongoUrl: string) {
  const mongo = new MongoClient(mongoUrl);
  const graph = neo4j.driver(stackUrl('NEO4J_URL'));
  const tables = new cassandra.Client(cassandraClientOptions(stackUrl('CASSANDRA_URL'), 10_000));
  const influxUrl = stackUrl('INFLUX_URL');
  const token = stackUrl('INFLUX_TOKEN');
  const keyspace = keyspaceFor(project);
  const fetchAll = async () => {
    const db = mongo.db();
    const entries = await db
      .collection('entries')
      .find({ project })
      .sort({ objectId: -1 })
      .limit(100)
      .toArray();
    const ids = entries.map((e) => e['objectId'] as number);
    const where = `WHERE "project" = $p AND (${ids.map((_, i) => `"object_id" = $o${i}`).join(' OR ')}) GROUP BY "object_id", "run_id"`;
    const params = Object.fromEntries([['p', project], ...ids.map((id, i) => [`o${i}`, String(id)])]);
    const q = [
      `SELECT count(*) FROM /.*/ ${where}`,
      `SELECT * FROM /.*/ ${where} ORDER BY time ASC LIMIT 1`,
      `SELECT * FROM /.*/ ${where} ORDER BY time DESC LIMIT 1`,
    ].join('; ');
    const body = new URLSearchParams({ db: 'lakegate', q, params: JSON.stringify(params), epoch: 'ms' });
    await Promise.all([
      db
        .collection('runs')
        .find({ project, objectId: { $in: ids } })
        .toArray(),
      fetch(`${influxUrl}/query`, {
        method: 'POST',
        body,
        headers: { authorization: `Token ${token}` },
      }).then((r) => r.json()),
      (async () => {
        const objectIds = ids.map((id) => neo4j.int(id));
        await graph.executeQuery(IMAGES, { project, objectIds }, { routing: neo4j.routing.READ });
        await graph.executeQuery(
          SIMILAR_IMAGES,
          { project, objectIds, limit: neo4j.int(5), weights: { main: 2, secondary: 1 } },
          { routing: neo4j.routing.READ },
        );
      })(),
      tables.execute(
        `SELECT object_id, table_name, run_id, row_count FROM ${keyspace}.derived_tables WHERE object_id IN ?`,
        [ids],
        { prepare: true },
      ),
    ]);
  };
  const close = () => Promise.all([mongo.close(), graph.close(), tables.shutdown()]);
  return { fetchAll, close };
}

export async function nestedQueryBenchmarks(): Promise<string[]> {
  const mongoUrl = freshMongoUrl();
  const gateway = await startTestGateway({
    S3_URL: stackUrl('MINIO_S3_URL'),
    MONGODB_URL: mongoUrl,
    INFLUX_URL: stackUrl('INFLUX_URL'),
    INFLUX_TOKEN: stackUrl('INFLUX_TOKEN'),
    INFLUX_ORG: stackUrl('INFLUX_ORG'),
    NEO4J_URL: stackUrl('NEO4J_URL'),
    CASSANDRA_URL: stackUrl('CASSANDRA_URL'),
  });
  try {
    const project = await createProject(gateway, { pipelineOnUpload: true });
    await seed(gateway, project);
    const query = JSON.stringify({ query: print(LakeViewDocument), variables: { project, first: 100 } });
    const ask = async () => {
      const res = await fetch(gateway.graphqlUrl, {
        method: 'POST',
        body: query,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.adminToken}` },
      });
      const body = (await res.json()) as { errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
    };
    const trips = await roundTrips(gateway, stackUrl('INFLUX_URL'), ask);
    const hand = handWritten(project, mongoUrl);
    const lakegate = await latencies(ask);
    const direct = await latencies(hand.fetchAll);
    await hand.close();
    const m = (xs: number[]) => median(xs).toFixed(1);
    return [
      `| ${OBJECTS} objects with runs, series, images (and their similar images) and tables | median ms | p99 ms | ratio (median) |`,
      '| --- | --- | --- | --- |',
      `| hand-written batched driver calls (entries, then the rest in parallel) | ${m(direct)} | ${p99(direct).toFixed(1)} | 1.00 |`,
      `| lakegate, one GraphQL query over HTTP | ${m(lakegate)} | ${p99(lakegate).toFixed(1)} | ${ratio(median(direct), median(lakegate))} |`,
      '',
      `Round trips of the lakegate query: catalog ${trips.catalog} (project and objects at once, runs; lineage runs come with them), InfluxDB ${trips.timeseries}, Neo4j ${trips.graph} (images, similar images), Cassandra ${trips.tables}.`,
    ];
  } finally {
    await gateway.close();
  }
}
