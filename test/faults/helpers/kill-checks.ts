import assert from 'node:assert/strict';
import { flux } from '@influxdata/influxdb-client';
import { type Driver } from 'neo4j-driver';
import { type CassandraConnection } from '../../../src/datasources/cassandra/cassandra.connection.js';
import { keyspaceFor } from '../../../src/datasources/cassandra/cql-names.js';
import { type TestBucket } from '../../helpers/influx.js';
import { type BucketReader, type CatalogReader } from './kill-lake.js';
import { type UploadInFlight } from './kill-uploads.js';

/**
 * The all-or-nothing check, on the stores themselves: each upload is complete (object with its bytes,
 * STORED entry, STARTED..CATALOGED events once each) or absent (no object, no parts, at most a FAILED
 * entry); nothing in the bucket or the catalog belongs to no upload.
 */
export async function checkUploads(
  flights: UploadInFlight[],
  project: string,
  catalog: CatalogReader,
  bucket: BucketReader,
  killedAt: number,
): Promise<{ complete: number[]; absent: string[]; finishedAfter: number; announcedAfter: number }> {
  const entries = await catalog.entries(project);
  const events = await catalog.events(project);
  const objects = await bucket.objects();
  const complete: number[] = [];
  const absent: string[] = [];
  let finishedAfter = 0;
  let announcedAfter = 0;
  for (const { plan, answer } of flights) {
    const mine = entries.filter((e) => e.originalName === plan.name);
    assert.ok(mine.length <= 1, `${plan.name}: at most one entry`);
    const entry = mine[0];
    const types = entry
      ? countBy(events.filter((e) => e.uploadId === entry.uploadId).map((e) => e.type))
      : {};
    if (entry?.status === 'STORED') {
      assert.equal(entry.size, plan.content.length, `${plan.name}: entry size`);
      assert.equal(entry.sha256, plan.sha256, `${plan.name}: entry sha256`);
      assert.equal(objects.get(entry.key), plan.content.length, `${plan.name}: object size`);
      assert.equal(await bucket.sha256(entry.key), plan.sha256, `${plan.name}: object bytes`);
      const byReconciler = entry.successfulOperations.at(-1)?.operation === 'reconcile';
      const expected: Record<string, number> = { STARTED: 1, STORED: 1, VERIFIED: 1, CATALOGED: 1 };
      // STORED and VERIFIED report progress: the dead process may not have written them. What an upload
      // starts and ends with is told by the reconciler when it was not.
      if (answer?.kind !== 'stored')
        for (const type of ['STORED', 'VERIFIED']) if (!types[type]) delete expected[type];
      assert.deepEqual(
        pick(types, ['STARTED', 'STORED', 'VERIFIED', 'CATALOGED', 'FAILED']),
        expected,
        `${plan.name}: events`,
      );
      if (byReconciler) finishedAfter++;
      const cataloged = events.find((e) => e.uploadId === entry.uploadId && e.type === 'CATALOGED');
      if (cataloged!.at.getTime() > killedAt) announcedAfter++;
      complete.push(entry.objectId);
    } else {
      assert.notEqual(answer?.kind, 'stored', `${plan.name}: a client told "stored" finds its object`);
      assert.ok(!entry || entry.status === 'FAILED', `${plan.name}: entry ${entry?.status}`);
      if (entry) {
        assert.equal(objects.has(entry.key), false, `${plan.name}: no object`);
        assert.deepEqual(pick(types, ['CATALOGED', 'FAILED']), { FAILED: 1 }, `${plan.name}: events`);
      }
      absent.push(plan.name);
    }
    if (answer?.kind === 'stored') assert.equal(answer.objectId, entry?.objectId, `${plan.name}: object id`);
  }
  const storedKeys = new Set(entries.filter((e) => e.status === 'STORED').map((e) => e.key));
  assert.deepEqual(
    [...objects.keys()].filter((k) => !storedKeys.has(k)),
    [],
    'no object without a STORED entry',
  );
  assert.deepEqual(
    entries.filter((e) => e.status === 'PENDING' || e.status === 'QUARANTINED').map((e) => e.objectId),
    [],
    'no entry pending or quarantined',
  );
  assert.equal(entries.length, new Set(entries.map((e) => e.originalName)).size, 'one entry per upload');
  const uploadIds = new Set(entries.map((e) => e.uploadId));
  assert.deepEqual(
    events.filter((e) => !uploadIds.has(e.uploadId)),
    [],
    'no event of an unknown upload',
  );
  assert.deepEqual(await bucket.unfinishedUploads(), [], 'no multipart upload left open');
  return { complete, absent, finishedAfter, announcedAfter };
}

export function pick(counts: Record<string, number>, types: string[]): Record<string, number> {
  return Object.fromEntries(types.filter((t) => counts[t]).map((t) => [t, counts[t]!]));
}

export function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/**
 * Gold records per object as `objectId runId count…` lines, read with each store's own driver:
 * InfluxDB points per (object, run) series, Cassandra rows per partition, Neo4j Image nodes per object
 * and their CONTAINS relationships.
 */
export async function goldCounts(
  project: string,
  influx: TestBucket,
  graph: Driver,
  tables: CassandraConnection,
) {
  const series = await influx.connection.client.getQueryApi(influx.org).collectRows<Record<string, unknown>>(
    flux`from(bucket: ${influx.name})
      |> range(start: 1970-01-01T00:00:00Z, stop: 2100-01-01T00:00:00Z)
      |> filter(fn: (r) => r._measurement == "load" and r._field == "v" and r.project == ${project})
      |> group(columns: ["object_id", "run_id"])
      |> count()`,
  );
  const points = series.map((r) => `${String(r['object_id'])} ${String(r['run_id'])} ${String(r['_value'])}`);

  const keyspace = keyspaceFor(project);
  const rows: string[] = [];
  const partitions = await tables.client.execute(`SELECT DISTINCT object_id FROM ${keyspace}.readings`);
  for (const p of partitions.rows) {
    const objectId = p.get('object_id') as number;
    const result = await tables.client.execute(
      `SELECT run_id FROM ${keyspace}.readings WHERE object_id = ?`,
      [objectId],
      { prepare: true, fetchSize: 10_000 },
    );
    const byRun = countBy(result.rows.map((r) => r.get('run_id') as string));
    for (const [runId, n] of Object.entries(byRun)) rows.push(`${objectId} ${runId} ${n}`);
  }

  const { records } = await graph.executeQuery(
    `MATCH (i:Image {project: $project})
     OPTIONAL MATCH (i)-[c:CONTAINS]->()
     WITH i.objectId AS objectId, i.runId AS runId, i, count(c) AS things
     RETURN objectId, runId, count(DISTINCT i) AS images, sum(things) AS contains`,
    { project },
  );
  const images = records.map(
    (r) => `${r.get('objectId')} ${r.get('runId')} ${r.get('images')} ${r.get('contains')}`,
  );
  return { points: points.sort(), rows: rows.sort(), images: images.sort() };
}
