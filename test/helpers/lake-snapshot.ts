import { flux } from '@influxdata/influxdb-client';
import type cassandra from 'cassandra-driver';
import { type Db } from 'mongodb';
import neo4j, { type Driver } from 'neo4j-driver';
import { keyspaceFor } from '../../src/datasources/cassandra/cql-names.js';
import { type RawStore } from '../../src/datasources/rawstore/raw-store.js';
import { type TestBucket } from './influx.js';

/** The drivers of every store, and the raw zone. */
export interface LakeDrivers {
  db: Db;
  graph: Driver;
  cql: cassandra.Client;
  bucket: TestBucket;
  raw: RawStore;
}

/** Everything the stores hold for one project, each record as sorted JSON text. */
export interface LakeSnapshot {
  catalog: Record<string, string[]>;
  graph: string[];
  tables: Record<string, string[]>;
  points: string[];
  objects: string[];
}

const json = (value: unknown) =>
  JSON.stringify(value, (_, v: unknown) => (neo4j.isInt(v) ? `int:${v.toString()}` : v));

/** Reads a project's records straight from each store's driver. */
export async function lakeSnapshot(d: LakeDrivers, project: string): Promise<LakeSnapshot> {
  const catalog: Record<string, string[]> = {};
  const collections = (await d.db.listCollections().toArray()).map((c) => c.name).sort();
  for (const name of collections) {
    const ids = [project, `objects/${project}`, `events/${project}`];
    const docs = await d.db
      .collection(name)
      .find({ $or: [{ project }, { _id: { $in: ids } }] } as never)
      .toArray();
    catalog[name] = docs.map(json).sort();
  }

  const { records } = await d.graph.executeQuery(
    `MATCH (n) WHERE n.project = $project
     OPTIONAL MATCH (n)-[r]->(m)
     RETURN labels(n) AS labels, properties(n) AS node, type(r) AS type, properties(r) AS rel,
       properties(m) AS target`,
    { project },
  );
  const graph = records.map((r) => json(r.toObject())).sort();

  const keyspace = keyspaceFor(project);
  const tables: Record<string, string[]> = {};
  const names = await d.cql.execute(
    'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?',
    [keyspace],
    { prepare: true },
  );
  for (const row of names.rows) {
    const table = row.get('table_name') as string;
    const rows = await d.cql.execute(`SELECT JSON * FROM "${keyspace}"."${table}"`);
    tables[table] = rows.rows.map((r) => r.get('[json]') as string).sort();
  }

  const points = (await pointsOf(d.bucket))
    .filter((r) => r['project'] === project)
    .map(json)
    .sort();

  const objects: string[] = [];
  for await (const o of d.raw.list(project)) objects.push(json({ key: o.key, size: o.size }));
  return { catalog, graph, tables, points, objects: objects.sort() };
}

/** Every row (one per point and field) of the bucket, whatever its measurement or tags. */
export async function pointsOf(bucket: TestBucket): Promise<Record<string, unknown>[]> {
  const rows = await bucket.connection.client.getQueryApi(bucket.org).collectRows<Record<string, unknown>>(
    flux`from(bucket: ${bucket.name})
      |> range(start: 1677-09-21T00:12:44Z, stop: 2262-04-11T00:00:00Z)
      |> group()`,
  );
  // the query's own columns, not the point's
  return rows.map(({ result: _r, table: _t, _start: _s, _stop: _e, ...point }) => point);
}
