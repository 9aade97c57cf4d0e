import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { flux } from '@influxdata/influxdb-client';
import neo4j, { type Driver } from 'neo4j-driver';
import { CassandraConnection } from '../../src/datasources/cassandra/cassandra.connection.js';
import { keyspaceFor } from '../../src/datasources/cassandra/cql-names.js';
import { freshMongoUrl } from '../helpers/backends.js';
import { PNG } from '../helpers/graph.js';
import { TestBucket } from '../helpers/influx.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';
import {
  ask,
  BucketReader,
  CatalogReader,
  countTypes,
  Gateways,
  settled,
  until,
} from './helpers/kill-lake.js';
import { plannedUpload, startUpload, type UploadInFlight } from './helpers/kill-uploads.js';

const KIB = 1024;
const MIB = 1024 * KIB;
/** 20 files from 1 KiB to 32 MiB; the even ones declare their size (one PUT), the odd ones go multipart. */
const SIZES = [1, 40, 300, 900, 1, 64, 500, 700]
  .map((k) => k * KIB)
  .concat([3, 6, 11, 3, 6, 11, 18, 24, 32, 18, 24, 32].map((m) => m * MIB));

describe('a gateway killed with kill -9 during 20 concurrent uploads', () => {
  const gateways = new Gateways();
  const mongoUrl = freshMongoUrl();
  const catalog = new CatalogReader(mongoUrl);
  after(async () => {
    await gateways.stopAll();
    await catalog.close();
  });

  it('leaves each upload complete (object, STORED entry, events) or absent once restarted', async (t) => {
    const env = {
      S3_URL: stackUrl('MINIO_S3_URL'),
      MONGODB_URL: mongoUrl,
      UPLOAD_PART_SIZE: '5MiB',
      PENDING_TIMEOUT_MS: '3000',
      RECONCILE_INTERVAL_MS: '1000',
    };
    const first = await gateways.start(env);
    const project = uniqueName('kill-up');
    await ask(first, 'mutation($name: String!) { createProject(name: $name) { name } }', { name: project });

    const plans = SIZES.map((size, i) =>
      plannedUpload(
        `u${String(i).padStart(2, '0')}-${size}.bin`,
        'application/octet-stream',
        randomBytes(size),
        i % 2 === 0,
      ),
    );
    // The six largest stop halfway (past their first S3 parts) and wait there for the kill; the others
    // go at 256 KiB every 25 ms at most, so the medium ones are still streaming when most small ones are done.
    const flights = plans.map((plan) =>
      startUpload(`${first.url}/graphql`, first.adminToken, project, plan, {
        pauseMs: 25,
        holdAt: plan.content.length >= 18 * MIB ? plan.content.length / 2 : Infinity,
      }),
    );
    const stored = () => flights.filter((f) => f.answer?.kind === 'stored').length;
    const held = () => flights.filter((f) => f.held).length;
    await until(
      async () => stored() >= 5 && held() === 6,
      () => `5 uploads answered and 6 held halfway; ${stored()} answered, ${held()} held`,
    );
    const cutMidStream = flights.filter((f) => f.sent < f.plan.content.length);
    const killedAt = Date.now();
    await gateways.kill(first);
    const answers = await Promise.all(flights.map((f) => f.done));
    assert.deepEqual(
      answers.filter((a) => a.kind === 'refused'),
      [],
      'no upload is refused before the kill',
    );

    // Same env: the reconciler of the new process settles what the dead one left PENDING.
    const restarted = await gateways.start(env);
    await settled(async () => {
      const [entries, events] = await Promise.all([catalog.entries(project), catalog.events(project)]);
      const ended = new Set(
        events.filter((e) => e.type === 'CATALOGED' || e.type === 'FAILED').map((e) => e.uploadId),
      );
      return entries.every((e) => e.status !== 'PENDING' && ended.has(e.uploadId));
    });
    const recoveredMs = Date.now() - killedAt;

    const outcome = await checkUploads(
      flights,
      project,
      catalog,
      new BucketReader(env.S3_URL, project),
      killedAt,
    );
    assert.ok(outcome.complete.length >= 5, 'the uploads answered before the kill are complete');
    assert.ok(outcome.absent.length >= cutMidStream.length, 'the uploads cut mid-stream are absent');

    const listed = await ask<{ objects: { nodes: { objectId: number }[] } }>(
      restarted,
      'query($p: String!) { objects(project: $p, first: 100, filter: { status: STORED }) { nodes { objectId } } }',
      { p: project },
    );
    assert.deepEqual(
      listed.objects.nodes.map((n) => n.objectId).sort((a, b) => a - b),
      outcome.complete.sort((a, b) => a - b),
      'the restarted gateway lists exactly the complete uploads',
    );
    t.diagnostic(
      JSON.stringify({
        attempted: flights.length,
        complete: outcome.complete.length,
        absent: outcome.absent.length,
        finishedAfterRestart: outcome.finishedAfter,
        announcedAfterRestart: outcome.announcedAfter,
        answeredBeforeKill: answers.filter((a) => a.kind === 'stored').length,
        cutMidStream: cutMidStream.length,
        recoveredMs,
      }),
    );
  });
});

/**
 * The all-or-nothing check, on the stores themselves: each upload is complete (object with its bytes,
 * STORED entry, STARTED..CATALOGED events once each) or absent (no object, no parts, at most a FAILED
 * entry); nothing in the bucket or the catalog belongs to no upload.
 */
async function checkUploads(
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
    const types = entry ? countTypes(events.filter((e) => e.uploadId === entry.uploadId)) : {};
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

function pick(counts: Record<string, number>, types: string[]): Record<string, number> {
  return Object.fromEntries(types.filter((t) => counts[t]).map((t) => [t, counts[t]!]));
}

const JSON_RECORDS = 20_000;
const CSV_ROWS = 3000;
const template = { measurement: 'load', timeField: 'at', timeFormat: 's', fields: ['v'], tags: ['sensor'] };

/** 18 files, 6 per built-in pipeline, each one distinct: JSON for InfluxDB, CSV for Cassandra, PNG for Neo4j. */
function pipelineFiles() {
  return Array.from({ length: 18 }, (_, i) => {
    const name = `f${String(i).padStart(2, '0')}`;
    if (i % 3 === 0) {
      const records = Array.from({ length: JSON_RECORDS }, (_, r) => ({
        at: 1_700_000_000 + r,
        sensor: `s${r % 4}`,
        v: i + r,
      }));
      return plannedUpload(
        `${name}.json`,
        'application/json',
        Buffer.from(JSON.stringify(records)),
        i % 2 === 0,
        { template },
      );
    }
    if (i % 3 === 1) {
      const rows = Array.from({ length: CSV_ROWS }, (_, r) => `s${r % 7},${i}.${r}`);
      return plannedUpload(
        `${name}.csv`,
        'text/csv',
        Buffer.from(['station,temp', ...rows].join('\n')),
        i % 2 === 0,
        {
          table: { name: 'readings' },
        },
      );
    }
    const content = { imageContent: { mainObjects: [`thing-${i}`], secondaryObjects: ['sofa', 'lamp'] } };
    return plannedUpload(
      `${name}.png`,
      'image/png',
      Buffer.concat([PNG, Buffer.from(name)]),
      i % 2 === 0,
      content,
    );
  });
}

describe('a gateway killed with kill -9 during pipeline runs', () => {
  const gateways = new Gateways();
  const mongoUrl = freshMongoUrl();
  const catalog = new CatalogReader(mongoUrl);
  const influx = new TestBucket();
  const graph = neo4j.driver(stackUrl('NEO4J_URL'));
  const tables = new CassandraConnection(stackUrl('CASSANDRA_URL'), 30_000);
  after(async () => {
    await gateways.stopAll();
    await catalog.close();
    await influx.drop();
    await graph.close();
    await tables.close();
  });

  it('finishes every run of a stored object exactly once after a restart, and writes no gold record twice', async (t) => {
    await influx.create();
    const env = {
      S3_URL: stackUrl('MINIO_S3_URL'),
      MONGODB_URL: mongoUrl,
      REDIS_URL: stackUrl('REDIS_URL'),
      ...influx.env,
      NEO4J_URL: stackUrl('NEO4J_URL'),
      CASSANDRA_URL: stackUrl('CASSANDRA_URL'),
      PIPELINE_CONCURRENCY: '2',
      PIPELINE_LEASE_MS: '4000',
      INFLUX_BATCH_SIZE: '1000',
      PENDING_TIMEOUT_MS: '3000',
      RECONCILE_INTERVAL_MS: '1000',
    };
    const first = await gateways.start(env);
    const project = uniqueName('kill-run');
    await ask(
      first,
      'mutation($name: String!) { createProject(name: $name, profile: { pipelineOnUpload: true }) { name } }',
      {
        name: project,
      },
    );

    // Two uploads at a time; runs start as soon as objects are stored, two at a time on this gateway.
    const plans = pipelineFiles();
    const flights: UploadInFlight[] = [];
    const sending = (async () => {
      for (let i = 0; i < plans.length; i += 2) {
        const pair = plans
          .slice(i, i + 2)
          .map((p) => startUpload(`${first.url}/graphql`, first.adminToken, project, p, { pauseMs: 20 }));
        flights.push(...pair);
        const answers = await Promise.all(pair.map((f) => f.done));
        if (answers.some((a) => a.kind === 'cut')) return;
      }
    })();
    const statuses = async () => countBy((await catalog.runs(project)).map((r) => r.status));
    await until(
      async () => {
        const s = await statuses();
        return (s['RUNNING'] ?? 0) >= 1 && (s['QUEUED'] ?? 0) >= 2 && (s['SUCCEEDED'] ?? 0) >= 4;
      },
      () => 'runs RUNNING, QUEUED (2) and SUCCEEDED (4) at once',
      60_000,
    );
    const killedAt = Date.now();
    await gateways.kill(first);
    await sending;
    const left = new Map((await catalog.runs(project)).map((r) => [r.runId, r]));

    // The same gateway again, and a second runner on the same catalog and queue.
    await Promise.all([gateways.start(env), gateways.start(env)]);
    const unsettled = async () => {
      const entries = await catalog.entries(project);
      const runs = await catalog.runs(project);
      const stored = entries.filter((e) => e.status === 'STORED');
      const pending = entries.filter((e) => e.status === 'PENDING').length;
      const open = runs.filter((r) => !['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.status)).length;
      const withoutRun = stored.filter((e) => !runs.some((r) => r.objectId === e.objectId)).length;
      return pending + open + withoutRun === 0 ? null : { pending, open, withoutRun };
    };
    let last: unknown;
    await until(
      async () => !(last = await unsettled()),
      () => `every upload settled and every run finished; still ${JSON.stringify(last)}`,
    );
    const recoveredMs = Date.now() - killedAt;

    const entries = await catalog.entries(project);
    const runs = await catalog.runs(project);
    const events = await catalog.events(project);
    const stored = entries.filter((e) => e.status === 'STORED');
    const byName = new Map(entries.map((e) => [e.originalName, e]));
    for (const flight of flights) {
      const entry = byName.get(flight.plan.name);
      if (flight.answer?.kind === 'stored')
        assert.equal(entry?.status, 'STORED', `${flight.plan.name} stays stored`);
      if (entry?.status === 'STORED')
        assert.equal(entry.sha256, flight.plan.sha256, `${flight.plan.name} whole`);
    }
    assert.deepEqual(
      entries
        .filter((e) => e.status !== 'STORED' && e.status !== 'FAILED')
        .map((e) => [e.originalName, e.status]),
      [],
      'every entry STORED or FAILED',
    );

    // Runs: one per stored object, SUCCEEDED, with one more attempt only where the dead runner held it.
    assert.deepEqual(
      runs.map((r) => r.objectId).sort((a, b) => a - b),
      stored.map((e) => e.objectId).sort((a, b) => a - b),
      'one run per stored object, none for the others',
    );
    for (const run of runs) {
      const before = left.get(run.runId);
      const expectedAttempt = (before?.attempt ?? 1) + (before?.status === 'RUNNING' ? 1 : 0);
      assert.deepEqual(
        [run.status, run.attempt],
        ['SUCCEEDED', expectedAttempt],
        `run of object ${run.objectId} (${before?.status ?? 'not yet queued'} at the kill)`,
      );
      const types = countTypes(events.filter((e) => e.runId === run.runId));
      assert.deepEqual(
        pick(types, [
          'PIPELINE_QUEUED',
          'STEP_SUCCEEDED',
          'STEP_FAILED',
          'PIPELINE_SUCCEEDED',
          'PIPELINE_FAILED',
        ]),
        { PIPELINE_QUEUED: 1, STEP_SUCCEEDED: 1, PIPELINE_SUCCEEDED: 1 },
        `events of the run of object ${run.objectId}`,
      );
      assert.ok(
        (types['PIPELINE_STARTED'] ?? 0) >= 1 && (types['PIPELINE_STARTED'] ?? 0) <= run.attempt,
        `run of object ${run.objectId} started once per attempt at most: ${types['PIPELINE_STARTED']}`,
      );
      const entry = stored.find((e) => e.objectId === run.objectId)!;
      assert.equal(
        entry.successfulOperations.filter((o) => o.runId === run.runId).length,
        1,
        `object ${run.objectId} records its run's step once`,
      );
    }

    const gold = await goldCounts(project, influx, graph, tables);
    const runOf = new Map(runs.map((r) => [r.objectId, r.runId]));
    const expectedGold = { points: [] as string[], rows: [] as string[], images: [] as string[] };
    for (const e of stored) {
      const line = `${e.objectId} ${runOf.get(e.objectId)}`;
      if (e.contentType === 'application/json') expectedGold.points.push(`${line} ${JSON_RECORDS}`);
      if (e.contentType === 'text/csv') expectedGold.rows.push(`${line} ${CSV_ROWS}`);
      if (e.contentType === 'image/png') expectedGold.images.push(`${line} 1 3`);
    }
    for (const list of Object.values(expectedGold)) list.sort();
    assert.deepEqual(gold, expectedGold, "each object's gold records once, by its run");

    const killed = [...left.values()];
    t.diagnostic(
      JSON.stringify({
        uploads: flights.length,
        stored: stored.length,
        absent: flights.length - stored.length,
        runs: runs.length,
        atKill: countBy(killed.map((r) => r.status)),
        secondAttempts: runs.filter((r) => r.attempt === 2).length,
        points: gold.points.length,
        rows: gold.rows.length,
        images: gold.images.length,
        recoveredMs,
      }),
    );
  });
});

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/**
 * Gold records per object as `objectId runId count…` lines, read with each store's own driver:
 * InfluxDB points per (object, run) series, Cassandra rows per partition, Neo4j Image nodes per object
 * and their CONTAINS relationships.
 */
async function goldCounts(project: string, influx: TestBucket, graph: Driver, tables: CassandraConnection) {
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
