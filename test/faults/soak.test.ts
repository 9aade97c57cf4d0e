import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mintToken } from '../../src/auth/tokens.js';
import {
  CreateProjectDocument,
  LakeViewDocument,
  SourcesDocument,
  TimeSeriesDocument,
} from '../generated/graphql.js';
import { freshMongoUrl } from '../helpers/backends.js';
import { TEST_SECRET } from '../helpers/gateway.js';
import { type GatewayProcess, spawnGateway } from '../helpers/process.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';
import { EventFollower, PointsFollower } from './helpers/soak-followers.js';
import { ask, type Endpoint, failureOf, upload } from './helpers/soak-http.js';
import { atSteadyRate, Tally } from './helpers/soak-load.js';
import { cpuSecondsOf, rssOf, type Sample } from './helpers/soak-process.js';
import { collectGarbage, freePort } from './helpers/soak-inspector.js';
import { CatalogProbe } from './helpers/soak-probe.js';
import { type HeapSample, soakReport } from './helpers/soak-report.js';
import { soakFile } from './helpers/soak-files.js';

const SECONDS = Number(process.env['SOAK_SECONDS'] ?? 600);
const WARM_UP_SECONDS = Math.min(60, SECONDS / 4);
const SAMPLE_MS = 2000;
const MEASUREMENT = 'soak';
const SUBSCRIBERS = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tokenFor = (subject: string, projects: Record<string, 'viewer' | 'editor'>) =>
  mintToken(
    { secret: TEST_SECRET, issuer: 'lakegate', audience: 'lakegate' },
    { subject, projects, expiresIn: '6h' },
  );

/** Waits until `done` holds, or `ms` have passed; says whether it holds. */
async function settled(done: () => boolean, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; !done() && Date.now() < deadline;) await sleep(200);
  return done();
}

interface Metrics {
  memory: { heapTotalBytes: number; heapUsedBytes: number; externalBytes: number };
  eventLoopLagMs: { p50: number; p99: number; max: number; mean: number };
}

describe('soak: queries, uploads and subscriptions at a steady rate', () => {
  let gateway: GatewayProcess;
  let probe: CatalogProbe;
  let inspectorPort: number;
  before(async () => {
    const mongoUrl = freshMongoUrl();
    probe = new CatalogProbe(mongoUrl);
    inspectorPort = await freePort();
    gateway = await spawnGateway({
      // Only to collect garbage before the two memory readings that decide (see collectGarbage).
      NODE_OPTIONS: `--inspect=127.0.0.1:${inspectorPort}`,
      S3_URL: stackUrl('MINIO_S3_URL'),
      MONGODB_URL: mongoUrl,
      REDIS_URL: stackUrl('REDIS_URL'),
      INFLUX_URL: stackUrl('INFLUX_URL'),
      INFLUX_TOKEN: stackUrl('INFLUX_TOKEN'),
      INFLUX_ORG: stackUrl('INFLUX_ORG'),
      NEO4J_URL: stackUrl('NEO4J_URL'),
      CASSANDRA_URL: stackUrl('CASSANDRA_URL'),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'lakegate-soak-')),
      // The soak checks errors and memory at a steady rate, not latency: on a shared test machine a store
      // starved of CPU by other jobs can take over the default 2 s, and the store-outage tests cover deadlines.
      SOURCE_TIMEOUT_MS: '30000',
    });
  });
  after(async () => {
    await probe.close();
    gateway.child.kill('SIGTERM');
    await gateway.exited;
  });

  it(`${SECONDS} s: no error, RSS growth under 10% after the warm-up`, async (t) => {
    const graphqlUrl = `${gateway.url}/graphql`;
    const wsUrl = graphqlUrl.replace(/^http/, 'ws');
    const pid = gateway.child.pid!;
    const project = uniqueName('soak');
    const created = await ask({ graphqlUrl, token: gateway.adminToken }, CreateProjectDocument, {
      name: project,
      profile: { pipelineOnUpload: true },
    });
    assert.equal(failureOf(created), null);
    // One principal per kind of client, as separate applications would be (rate limits are per principal).
    const as = async (subject: string, role: 'viewer' | 'editor'): Promise<Endpoint> => ({
      graphqlUrl,
      token: await tokenFor(subject, { [project]: role }),
    });
    const [browser, dashboard, monitor, uploader, watcher] = await Promise.all([
      as('browser', 'viewer'),
      as('dashboard', 'viewer'),
      as('monitor', 'viewer'),
      as('uploader', 'editor'),
      as('watcher', 'viewer'),
    ]);

    const tally = new Tally();
    const followers = Array.from(
      { length: SUBSCRIBERS },
      () => new EventFollower(wsUrl, watcher.token, tally, project),
    );
    const points = new PointsFollower(wsUrl, watcher.token, tally, project, MEASUREMENT);

    /** RSS and heap right after a full collection: what the gateway holds, whenever V8 last collected. */
    const collected = async () => {
      await collectGarbage(inspectorPort);
      await sleep(1000);
      const rssBytes = await rssOf(pid);
      const body = (await (await fetch(`${gateway.url}/metrics`)).json()) as Metrics;
      return { rss: rssBytes, heapUsed: body.memory.heapUsedBytes };
    };

    const loadBefore = loadavg()[0]!;
    const cpuBefore = await cpuSecondsOf(pid);
    const started = Date.now();
    const endAt = started + SECONDS * 1000;
    const rss: Sample[] = [];
    const heap: HeapSample[] = [];
    const sampling = (async () => {
      while (Date.now() < endAt) {
        const at = Date.now() - started;
        rss.push({ at, value: await rssOf(pid) });
        await tally.track('metrics', async () => {
          const res = await fetch(`${gateway.url}/metrics`);
          const body = (await res.json()) as Metrics;
          const { heapTotalBytes: total, heapUsedBytes: used, externalBytes: external } = body.memory;
          if (res.ok) heap.push({ at, total, used, external });
          return { status: res.status };
        });
        await sleep(SAMPLE_MS);
      }
    })();
    // The last minute: the readings of about eight uploads, so each query's work stays the same all along.
    const lastMinute = () => ({
      from: new Date(Date.now() - 60_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
    });
    let uploaded = 0;
    let pipelined = 0;
    const afterWarmUp = (async () => {
      await sleep(WARM_UP_SECONDS * 1000);
      return collected();
    })();
    const [pages, series, sources, uploads] = await Promise.all([
      atSteadyRate(1000, endAt, () =>
        tally.track('nested catalog page (20 objects, gold data)', () =>
          ask(browser, LakeViewDocument, { project, first: 20 }),
        ),
      ),
      atSteadyRate(
        1000,
        endAt,
        () =>
          tally.track('timeSeries', () =>
            ask(dashboard, TimeSeriesDocument, { project, measurement: MEASUREMENT, ...lastMinute() }),
          ),
        250,
      ),
      atSteadyRate(1000, endAt, () => tally.track('sources', () => ask(monitor, SourcesDocument, {})), 500),
      atSteadyRate(
        2000,
        endAt,
        (i) =>
          tally.track('uploadFile', async () => {
            const { file, otherData } = soakFile(i, MEASUREMENT);
            const answer = await upload(uploader, { project, metadata: { otherData } }, file);
            if (!failureOf(answer)) {
              uploaded++;
              if (otherData) pipelined++;
            }
            return answer;
          }),
        750,
      ),
      sampling,
      probe.run(SAMPLE_MS, endAt),
    ]);

    const cpu = (await cpuSecondsOf(pid)) - cpuBefore;
    const loadAfter = loadavg()[0]!;
    const memory = { warmUp: await afterWarmUp, end: await collected() };

    // Every upload is cataloged, every run it started ends, every subscriber reaches the last event:
    // what does not within a few minutes counts as an error.
    const [first] = followers;
    const ingested = () => first!.cataloged === uploaded && first!.ended.size === pipelined;
    if (!(await settled(ingested, 180_000)))
      tally.fail(
        'ingestion',
        `${uploaded} uploads answered, ${first!.cataloged} cataloged; ${pipelined} runs expected, ${first!.queued.size} queued, ${first!.ended.size} ended`,
      );
    const last = () => Math.max(...followers.map((f) => f.last));
    if (!(await settled(() => followers.every((f) => f.last === last()), 60_000)))
      tally.fail('subscription', `followers stopped at ${followers.map((f) => f.last).join(', ')}`);
    const metrics = (await (await fetch(`${gateway.url}/metrics`)).json()) as Metrics;
    await Promise.all([...followers, points].map((f) => f.stop()));

    const report = soakReport({
      seconds: SECONDS,
      warmUpSeconds: WARM_UP_SECONDS,
      loadAverage: { before: loadBefore, after: loadAfter },
      cpuSeconds: cpu,
      tally,
      inFlight: { pages, timeSeries: series, sources, uploads },
      gatewayLogs: gateway.logs,
      followers,
      points,
      rss,
      heap,
      probe: probe.latencies,
      collected: memory,
      lag: metrics.eventLoopLagMs,
    });
    for (const line of report) t.diagnostic(line);

    assert.equal(tally.errors, 0, tally.samples.join('\n'));
    const growth = (memory.end.rss - memory.warmUp.rss) / memory.warmUp.rss;
    assert.ok(growth < 0.1, `RSS grew ${(growth * 100).toFixed(1)}% after the warm-up`);
  });
});
