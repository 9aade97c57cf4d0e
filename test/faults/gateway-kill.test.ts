import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import neo4j from 'neo4j-driver';
import { CassandraConnection } from '../../src/datasources/cassandra/cassandra.connection.js';
import { keyspaceFor } from '../../src/datasources/cassandra/cql-names.js';
import { freshMongoUrl } from '../helpers/backends.js';
import { PNG } from '../helpers/graph.js';
import { TestBucket } from '../helpers/influx.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';
import { checkUploads, countBy, goldCounts, pick } from './helpers/kill-checks.js';
import { ask, BucketReader, CatalogReader, Gateways, settled, until } from './helpers/kill-lake.js';
import {
  type PlannedUpload,
  plannedUpload,
  startUpload,
  type UploadInFlight,
} from './helpers/kill-uploads.js';

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
      // Reads wait for a catalog that is busy with 20 uploads on a loaded machine rather than time out.
      SOURCE_TIMEOUT_MS: '10000',
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
    // The six largest stop after 6 MiB (one S3 part sent on the multipart ones) and wait there for the
    // kill; the others go at 256 KiB every 25 ms at most. The kill comes once the six wait and five
    // uploads are answered: the medium ones are then streaming, being stored or being cataloged.
    const flights = plans.map((plan) =>
      startUpload(`${first.url}/graphql`, first.adminToken, project, plan, {
        pauseMs: 25,
        holdAt: plan.content.length >= 18 * MIB ? 6 * MIB : Infinity,
      }),
    );
    const stored = () => flights.filter((f) => f.answer?.kind === 'stored').length;
    const held = () => flights.filter((f) => f.held).length;
    await until(
      async () => stored() >= 5 && held() === 6,
      () => `5 uploads answered and 6 held; ${stored()} answered, ${held()} held`,
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

const JSON_RECORDS = 40_000;
const CSV_ROWS = 3000;
const template = { measurement: 'load', timeField: 'at', timeFormat: 's', fields: ['v'], tags: ['sensor'] };

/** A distinct file for a built-in pipeline: JSON for InfluxDB, CSV for Cassandra, PNG for Neo4j. */
function pipelineFile(kind: 'json' | 'csv' | 'png', i: number): PlannedUpload {
  const name = `${kind}-${String(i).padStart(3, '0')}.${kind}`;
  const declareSize = i % 2 === 0;
  if (kind === 'json') {
    const records = Array.from({ length: JSON_RECORDS }, (_, r) => ({
      at: 1_700_000_000 + r,
      sensor: `s${r % 4}`,
      v: i + r,
    }));
    return plannedUpload(name, 'application/json', Buffer.from(JSON.stringify(records)), declareSize, {
      template,
    });
  }
  if (kind === 'csv') {
    const rows = Array.from({ length: CSV_ROWS }, (_, r) => `s${r % 7},${i}.${r}`);
    return plannedUpload(name, 'text/csv', Buffer.from(['station,temp', ...rows].join('\n')), declareSize, {
      table: { name: 'readings' },
    });
  }
  const content = { imageContent: { mainObjects: [`thing-${i}`], secondaryObjects: ['sofa', 'lamp'] } };
  return plannedUpload(name, 'image/png', Buffer.concat([PNG, Buffer.from(name)]), declareSize, content);
}

describe('a gateway killed with kill -9 during pipeline runs', () => {
  const gateways = new Gateways();
  const mongoUrl = freshMongoUrl();
  const catalog = new CatalogReader(mongoUrl);
  const influx = new TestBucket();
  const graph = neo4j.driver(stackUrl('NEO4J_URL'));
  const tables = new CassandraConnection(stackUrl('CASSANDRA_URL'), 30_000);
  const project = uniqueName('kill-run');
  after(async () => {
    await gateways.stopAll();
    await catalog.close();
    await influx.drop();
    await graph.executeQuery('MATCH (n {project: $project}) DETACH DELETE n', { project });
    await graph.close();
    await tables.client.execute(`DROP KEYSPACE IF EXISTS ${keyspaceFor(project)}`, [], {
      readTimeout: 60_000,
    });
    await tables.close();
  });

  it('runs each stored object once after a restart, and writes no gold record twice', async (t) => {
    await influx.create();
    const env = {
      S3_URL: stackUrl('MINIO_S3_URL'),
      MONGODB_URL: mongoUrl,
      REDIS_URL: stackUrl('REDIS_URL'),
      ...influx.env,
      NEO4J_URL: stackUrl('NEO4J_URL'),
      CASSANDRA_URL: stackUrl('CASSANDRA_URL'),
      PIPELINE_CONCURRENCY: '2',
      // Leases well above what a catalog write takes on a loaded machine, well below the defaults.
      PIPELINE_LEASE_MS: '10000',
      INFLUX_BATCH_SIZE: '2000',
      PENDING_TIMEOUT_MS: '5000',
      RECONCILE_INTERVAL_MS: '1000',
      SOURCE_TIMEOUT_MS: '10000',
    };
    const first = await gateways.start(env);
    await ask(
      first,
      'mutation($name: String!) { createProject(name: $name, profile: { pipelineOnUpload: true }) { name } }',
      {
        name: project,
      },
    );

    // Three kinds of uploads at once: two JSON files held after 256 KiB until the kill; 18 files for the three
    // pipelines, three at a time, faster than two runners can process them; small images one after
    // another until the kill, so that one is likely between its STORED entry and its run.
    const upload = (plan: PlannedUpload, holdAt = Infinity) => {
      const flight = startUpload(`${first.url}/graphql`, first.adminToken, project, plan, { holdAt });
      flights.push(flight);
      return flight.done;
    };
    const flights: UploadInFlight[] = [];
    for (const i of [0, 1]) void upload(pipelineFile('json', 900 + i), 256 * 1024);
    const kinds = ['json', 'csv', 'png'] as const;
    const batch = Array.from({ length: 18 }, (_, i) => pipelineFile(kinds[i % 3]!, i));
    const sending = Promise.all(
      [0, 1, 2].map(async (lane) => {
        for (let i = lane; i < batch.length; i += 3) if ((await upload(batch[i]!)).kind === 'cut') return;
      }),
    );
    let trickling = true;
    const trickle = (async () => {
      for (let i = 500; trickling; i++) if ((await upload(pipelineFile('png', i))).kind === 'cut') return;
    })();
    const statuses = async () => countBy((await catalog.runs(project)).map((r) => r.status));
    await until(
      async () => {
        const s = await statuses();
        return (s['RUNNING'] ?? 0) >= 1 && (s['QUEUED'] ?? 0) >= 2 && (s['SUCCEEDED'] ?? 0) >= 3;
      },
      () => 'runs RUNNING, QUEUED (2) and SUCCEEDED (3) at once',
    );
    const killedAt = Date.now();
    await gateways.kill(first);
    trickling = false;
    await Promise.all([sending, trickle]);
    const left = new Map((await catalog.runs(project)).map((r) => [r.runId, r]));

    // The same gateway again, and a second runner on the same catalog and queue.
    await Promise.all([gateways.start(env), gateways.start(env)]);
    // Settled: nothing PENDING, every stored object has a run, every run has ended and told it.
    await settled(async () => {
      const [entries, runs, events] = await Promise.all([
        catalog.entries(project),
        catalog.runs(project),
        catalog.events(project),
      ]);
      const ended = new Set(events.filter((e) => e.type === 'PIPELINE_SUCCEEDED').map((e) => e.runId));
      return (
        entries.every((e) => e.status !== 'PENDING') &&
        entries.every((e) => e.status !== 'STORED' || runs.some((r) => r.objectId === e.objectId)) &&
        runs.every((r) => ended.has(r.runId))
      );
    }, 120_000);
    const recoveredMs = Date.now() - killedAt;

    // Uploads: complete or absent, as above, in the object store and the catalog.
    const outcome = await checkUploads(
      flights,
      project,
      catalog,
      new BucketReader(env.S3_URL, project),
      killedAt,
    );
    const [entries, runs, events] = await Promise.all([
      catalog.entries(project),
      catalog.runs(project),
      catalog.events(project),
    ]);
    const stored = entries.filter((e) => e.status === 'STORED');

    // Runs: one per stored object, SUCCEEDED, recovered at most once: a run the dead process held (or
    // was claiming: a write it sent just before dying may land after the kill) has one attempt more.
    assert.deepEqual(
      runs.map((r) => r.objectId).sort((a, b) => a - b),
      stored.map((e) => e.objectId).sort((a, b) => a - b),
      'one run per stored object, none for the others',
    );
    for (const run of runs) {
      const before = left.get(run.runId);
      const attempts = [before?.attempt ?? 1];
      if (before?.status === 'RUNNING' || before?.status === 'QUEUED') attempts.push(before.attempt + 1);
      const what = `run of object ${run.objectId} (${before?.status ?? 'not yet queued'} at the kill)`;
      assert.equal(run.status, 'SUCCEEDED', what);
      assert.ok(attempts.includes(run.attempt), `${what}: attempt ${run.attempt}, expected ${attempts}`);
      const types = countBy(events.filter((e) => e.runId === run.runId).map((e) => e.type));
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
        complete: outcome.complete.length,
        absent: outcome.absent.length,
        announcedAfterRestart: outcome.announcedAfter,
        runs: runs.length,
        atKill: countBy(killed.map((r) => r.status)),
        recovered: runs.filter((r) => r.attempt === 2).length,
        points: gold.points.length,
        rows: gold.rows.length,
        images: gold.images.length,
        recoveredMs,
      }),
    );
  });
});
