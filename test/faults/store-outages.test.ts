import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client } from 'graphql-ws';
import {
  OutageViewDocument,
  type OutageViewQuery,
  RetryRunDocument,
  SourcesDocument,
} from '../generated/graphql.js';
import { type EventTap, tapEvents } from '../helpers/events.js';
import { graphql, startTestGateway, type TestGateway, wsClient } from '../helpers/gateway.js';
import { assertConsistent, createProject } from '../helpers/lake.js';
import { PrivateCassandra } from '../helpers/private-cassandra.js';
import { PrivateFerretDb } from '../helpers/private-ferretdb.js';
import { PrivateInflux } from '../helpers/private-influx.js';
import { PrivateMinio } from '../helpers/private-minio.js';
import { PrivateNeo4j } from '../helpers/private-neo4j.js';
import { PrivateRedis } from '../helpers/private-redis.js';
import { PrivateServer } from '../helpers/private-server.js';
import { eventually, lakeState, seedGoldProject, uploadFaults } from './helpers/outage-lake.js';
import { OutageLoad } from './helpers/outage-load.js';
import { counts, type Figures, figuresOf, report } from './helpers/outage-report.js';
import { SourcesWatch } from './helpers/outage-sources.js';
import { faultsOf, isWhole, type Outage, storesDownDuring, withoutStores } from './helpers/outage-view.js';

interface Server {
  start(): Promise<void>;
  stop(): Promise<void>;
  env(): Record<string, string>;
}

/** Each store on a private server of its own, stopped in this order. */
const STORES: { store: string; title: string; server: Server }[] = [
  { store: 'raw', title: 'S3 (MinIO)', server: new PrivateMinio() },
  { store: 'catalog', title: 'MongoDB wire (FerretDB)', server: new PrivateFerretDb() },
  { store: 'timeseries', title: 'InfluxDB', server: new PrivateInflux() },
  { store: 'graph', title: 'Neo4j', server: new PrivateNeo4j() },
  { store: 'tables', title: 'Cassandra', server: new PrivateCassandra() },
  { store: 'broker', title: 'Redis', server: new PrivateRedis() },
];

describe('stores stopped one at a time under load', () => {
  let gateway: TestGateway;
  let ws: Client;
  let watch: SourcesWatch;
  let tap: EventTap;
  let load: OutageLoad;
  let intake: string;
  let baseline: OutageViewQuery;
  const outages: Outage[] = [];
  const figures: Figures[] = [];

  before(async () => {
    await Promise.all(STORES.map((s) => s.server.start()));
    const influx = STORES.find((s) => s.store === 'timeseries')!.server as PrivateInflux;
    gateway = await startTestGateway({
      ...Object.assign({}, ...STORES.map((s) => s.server.env())),
      INFLUX_BUCKET: influx.bucket,
      // Long enough that a busy two-core machine does not fail a store that is up (a stopped one fails at once,
      // except the catalog: the MongoDB driver waits that long for a server).
      SOURCE_TIMEOUT_MS: '10000',
      SOURCE_POLL_MS: '500',
      PIPELINE_LEASE_MS: '5000',
      PENDING_TIMEOUT_MS: '5000',
      RECONCILE_INTERVAL_MS: '2000',
    });
    const gold = await seedGoldProject(gateway);
    // Freshly started JVMs answer their first queries slowly: the baseline is the first whole answer.
    await eventually(
      async () => {
        const { body } = await graphql(gateway, OutageViewDocument, { project: gold });
        if (body.errors === undefined) baseline = body.data!;
        return body.errors === undefined;
      },
      60_000,
      'a whole view of the gold project',
    );
    intake = await createProject(gateway, { pipelineOnUpload: true });
    ws = wsClient(gateway);
    watch = new SourcesWatch(ws);
    tap = tapEvents(ws, { project: intake });
    load = new OutageLoad(gateway, gold, intake);
    load.start();
    await load.until(() => load.uploads.filter((u) => u.objectId !== null).length >= 3, 60_000, 'warm-up');
  });

  after(async () => {
    await load?.stop();
    tap?.stop();
    watch?.stop();
    await ws?.dispose();
    await gateway?.close();
    await Promise.all(
      STORES.map((s) => (s.server instanceof PrivateServer ? s.server.dispose() : s.server.stop())),
    );
  });

  for (const { store, title, server } of STORES) {
    it(`${title}: only its fields fail, with SOURCE_UNAVAILABLE, and come back without a restart`, async (t) => {
      const outage = await cycle(store, server);
      const during = load.views.filter(
        (v) => v.startedAt >= outage.stopped && v.endedAt <= outage.startBegan,
      );
      assert.ok(during.length > 0, 'views were answered while the store was down');
      for (const v of during) {
        assert.deepEqual(v.data, withoutStores(baseline, new Set([store])), 'only its fields are null');
        assert.ok(
          v.errors.every((e) => e.code === 'SOURCE_UNAVAILABLE' && e.source === store),
          JSON.stringify(v.errors),
        );
        if (store !== 'broker') assert.ok(v.errors.length > 0, 'its fields carry errors');
      }
      const overlapping = load.views.filter((v) => v.endedAt >= outage.stopBegan);
      for (const v of overlapping) assert.deepEqual(faultsOf(v, baseline, storesDownDuring(v, outages)), []);

      const uploads = load.uploads.filter(
        (u) => u.startedAt >= outage.stopped && u.endedAt <= outage.startBegan,
      );
      for (const u of uploads) {
        if (store === 'raw' || store === 'catalog') {
          assert.equal(u.objectId, null, `${u.name} cannot complete without the ${store} store`);
          assert.deepEqual([u.error?.code, u.error?.source], ['SOURCE_UNAVAILABLE', store]);
        } else {
          assert.notEqual(u.objectId, null, `${u.name} completes: ${JSON.stringify(u)}`);
        }
      }
      figures.push(figuresOf(title, outage, load.views, load.uploads, watch));
      t.diagnostic(JSON.stringify(figures.at(-1)));
    });
  }

  it('every upload completed whole or failed cleanly, and no pipeline run was lost', async (t) => {
    for (const line of report(figures)) t.diagnostic(line);
    await load.stop();
    assert.equal(watch.error, null);
    // Intents cut off by an outage are finished or rolled back by the reconciler, without a restart.
    await eventually(
      async () => (await lakeState(gateway, intake)).entries.every((e) => e.status !== 'PENDING'),
      60_000,
      'no PENDING entry left',
    );
    await eventually(
      async () =>
        (await lakeState(gateway, intake)).runs.every((r) => r.status !== 'QUEUED' && r.status !== 'RUNNING'),
      120_000,
      'every pipeline run ended',
    );
    const { entries, runs } = await lakeState(gateway, intake);
    const faults = (await Promise.all(load.uploads.map((u) => uploadFaults(gateway, u, entries)))).flat();
    assert.deepEqual(faults, []);
    await assertConsistent(gateway, intake);

    const stored = entries.filter((e) => e.status === 'STORED');
    const withRun = new Set(runs.map((r) => r.objectId));
    assert.deepEqual(
      stored.filter((e) => !withRun.has(e.objectId)).map((e) => e.originalName),
      [],
      'every stored object got its pipeline run',
    );
    const failed = runs.filter((r) => r.status === 'FAILED');
    for (const r of failed) assert.equal(r.error?.code, 'SOURCE_UNAVAILABLE', JSON.stringify(r.error));
    for (const r of failed) {
      const { body } = await graphql(gateway, RetryRunDocument, { runId: r.runId });
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    }
    await eventually(
      async () => (await lakeState(gateway, intake)).runs.every((r) => r.status === 'SUCCEEDED'),
      120_000,
      'every retried run succeeded',
    );
    const during = (r: (typeof runs)[number]) =>
      outages.find(
        (o) =>
          r.finishedAt && r.finishedAt.getTime() >= o.stopBegan && r.finishedAt.getTime() <= o.recovered!,
      )?.store ?? 'no outage';
    t.diagnostic(
      `runs queued again by the sweep after an outage: ${runs.filter((r) => r.attempt > 1).length}`,
    );
    t.diagnostic(
      `uploads: ${load.uploads.length} tried, ${stored.length} stored; runs: ${runs.length}, ` +
        `${failed.length} failed (${counts(failed.map((r) => `${r.error?.code} ${r.error?.step} during ${during(r)}`))}), all succeeded on retry`,
    );

    // The subscription opened before the first outage still delivers: every event of the log once, in
    // order, those published while Redis was away included.
    const last = load.uploads.findLast((u) => u.objectId !== null)!;
    await tap.until((e) => e.type === 'CATALOGED' && e.objectId === last.objectId, 30_000);
    const delivered = tap.events.map((e) => e.sequence);
    const logged = await gateway.services.catalog.after(intake, delivered[0]! - 1, null, 100_000);
    assert.deepEqual(
      delivered,
      logged.map((e) => e.sequence).filter((n) => n <= delivered.at(-1)!),
    );

    // The same gateway, never restarted, reports every store up.
    const { body } = await graphql(gateway, SourcesDocument);
    assert.deepEqual(
      body.data?.sources.filter((s) => s.status !== 'NOT_CONFIGURED').map((s) => [s.name, s.status]),
      STORES.map((s) => [s.store, 'UP']),
    );
  });

  /** Stops the store while the load runs, waits until the load saw it down, starts it, waits until it is whole again. */
  async function cycle(store: string, server: Server): Promise<Outage> {
    const outage: Outage = {
      store,
      stopBegan: Date.now(),
      stopped: 0,
      startBegan: 0,
      started: 0,
      recovered: null,
    };
    outages.push(outage);
    await server.stop();
    outage.stopped = Date.now();
    try {
      await load.until(
        () =>
          watch.seen(store, 'DOWN', outage.stopBegan) !== null &&
          load.views.filter((v) => v.startedAt >= outage.stopped).length >= 3 &&
          load.uploads.filter((u) => u.startedAt >= outage.stopped).length >= 2,
        120_000,
        `views and uploads while ${store} is down`,
      );
    } finally {
      outage.startBegan = Date.now();
      await server.start();
      outage.started = Date.now();
    }
    await load.until(
      () => {
        outage.recovered ??=
          load.views.find((v) => v.startedAt >= outage.started && isWhole(v, baseline))?.endedAt ?? null;
        return (
          outage.recovered !== null &&
          watch.seen(store, 'UP', outage.stopped) !== null &&
          load.uploads.some((u) => u.startedAt >= outage.started && u.objectId !== null)
        );
      },
      180_000,
      `${store} answering again`,
    );
    return outage;
  }
});
