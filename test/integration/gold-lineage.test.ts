import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LakePointsDocument, LakeRowsDocument, LakeViewDocument } from '../generated/graphql.js';
import { freshMongoUrl } from '../helpers/backends.js';
import { tapEvents } from '../helpers/events.js';
import { graphql, startTestGateway, type TestGateway, wsClient } from '../helpers/gateway.js';
import { PNG } from '../helpers/graph.js';
import { createProject, uploadFile } from '../helpers/lake.js';
import { PrivateInflux } from '../helpers/private-influx.js';
import { roundTrips } from '../helpers/round-trips.js';
import { stackUrl } from '../helpers/stack.js';

const readings = Array.from({ length: 30 }, (_, i) => ({
  at: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
  city: i % 2 ? 'rennes' : 'brest',
  temp: 10 + i / 10,
}));
const template = { measurement: 'weather', timeField: 'at', fields: ['temp'], tags: ['city'] };
const csv = 'station,temp\ns1,12.5\ns2,13.0\ns3,11.2\n';
const annotated = (main: string[], secondary: string[]) => ({
  imageContent: { mainObjects: main, secondaryObjects: secondary },
});

describe('one query over the whole lake, every gold record traced to its run', () => {
  const influx = new PrivateInflux();
  let gateway: TestGateway;
  let project: string;
  before(async () => {
    await influx.start();
    gateway = await startTestGateway({
      ...influx.env(),
      S3_URL: stackUrl('MINIO_S3_URL'),
      MONGODB_URL: freshMongoUrl(),
      NEO4J_URL: stackUrl('NEO4J_URL'),
      CASSANDRA_URL: stackUrl('CASSANDRA_URL'),
      SOURCE_TIMEOUT_MS: '1500',
    });
    project = await createProject(gateway, { pipelineOnUpload: true });
  });
  after(async () => {
    await gateway?.close();
    await influx.stop();
  });

  it('runs the pipeline of each upload with live progress, and answers one nested query from every store', async () => {
    const ws = wsClient(gateway);
    const tap = tapEvents(ws, { project });
    try {
      const uploads = [
        {
          name: 'weather.json',
          type: 'application/json',
          content: JSON.stringify(readings),
          otherData: { template },
        },
        { name: 'stations.csv', type: 'text/csv', content: csv, otherData: null },
        { name: 'a.png', type: 'image/png', content: PNG, otherData: annotated(['cat'], ['sofa', 'lamp']) },
        {
          name: 'b.png',
          type: 'image/png',
          content: Buffer.concat([PNG, Buffer.from('b')]),
          otherData: annotated(['cat'], ['sofa']),
        },
      ];
      for (const u of uploads) {
        const { body } = await uploadFile(
          gateway,
          { project, metadata: { otherData: u.otherData } },
          { name: u.name, type: u.type, content: Buffer.from(u.content) },
        );
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      }
      const finished = (type: string) => tap.events.filter((e) => e.type === type).length;
      await tap.until(() => finished('PIPELINE_SUCCEEDED') + finished('PIPELINE_FAILED') === 4, 60_000);
      assert.equal(finished('PIPELINE_SUCCEEDED'), 4, JSON.stringify(tap.events.filter((e) => e.code)));
      for (const objectId of [1, 2, 3, 4]) {
        const types = tap.events.filter((e) => e.objectId === objectId).map((e) => e.type);
        const from = types.indexOf('CATALOGED');
        assert.deepEqual(
          types.slice(from).filter((t) => t !== 'STEP_PROGRESS'),
          ['CATALOGED', 'PIPELINE_QUEUED', 'PIPELINE_STARTED', 'STEP_SUCCEEDED', 'PIPELINE_SUCCEEDED'],
          `events of object ${objectId}`,
        );
      }
    } finally {
      tap.stop();
      await ws.dispose();
    }

    let view: Awaited<ReturnType<typeof graphql<unknown, unknown>>>['body'] | undefined;
    const trips = await roundTrips(gateway, influx.url, async () => {
      view = (await graphql(gateway, LakeViewDocument, { project, first: 100 })).body;
    });
    const { body } = await graphql(gateway, LakeViewDocument, { project, first: 100 });
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.deepEqual(view, body);
    const byName = new Map(body.data!.objects.nodes.map((n) => [n.originalName, n]));
    const runOf = (name: string) => byName.get(name)!.runs[0]!;

    const weather = byName.get('weather.json')!;
    assert.deepEqual(
      weather.derived.series?.map((s) => [
        s.measurement,
        s.pointCount,
        s.source.runId,
        s.source.run?.status,
        s.source.object?.objectId,
      ]),
      [['weather', 30, runOf('weather.json').runId, 'SUCCEEDED', weather.objectId]],
    );
    assert.deepEqual(weather.successfulOperations.map((o) => [o.operation, o.runId]).at(-1), [
      'timeseries/json-to-influx',
      runOf('weather.json').runId,
    ]);
    const stations = byName.get('stations.csv')!;
    assert.deepEqual(
      stations.derived.tables?.map((t) => [
        t.name,
        t.rowCount,
        t.source.runId,
        t.source.object?.originalName,
      ]),
      [['stations', 3, runOf('stations.csv').runId, 'stations.csv']],
    );
    const [imageA] = byName.get('a.png')!.derived.images!;
    assert.deepEqual(imageA!.things, [
      { name: 'cat', role: 'MAIN' },
      { name: 'lamp', role: 'SECONDARY' },
      { name: 'sofa', role: 'SECONDARY' },
    ]);
    assert.deepEqual(
      imageA!.similarImages.map((s) => s.objectId),
      [byName.get('b.png')!.objectId],
    );
    assert.equal(imageA!.source.runId, runOf('a.png').runId);

    // One round trip per store and nesting level: project and objects, then runs (lineage reuses them);
    // one request each for series, images, their similar images, and tables.
    assert.deepEqual(trips, { catalog: 3, timeseries: 1, graph: 2, tables: 1 });

    const points = await graphql(gateway, LakePointsDocument, {
      project,
      from: '2026-11-01T00:00:00Z',
      to: '2026-11-02T00:00:00Z',
    });
    assert.deepEqual(
      points.body.data?.timeSeries.map((s) => [s.tags, s.points.length, s.source?.runId]),
      [
        [{ city: 'brest' }, 15, runOf('weather.json').runId],
        [{ city: 'rennes' }, 15, runOf('weather.json').runId],
      ],
    );
    const rows = await graphql(gateway, LakeRowsDocument, {
      project,
      table: 'stations',
      partitionKey: { object_id: stations.objectId },
    });
    assert.deepEqual(
      (rows.body.data?.tableRows.rows as Record<string, unknown>[]).map((r) => [
        r['station'],
        r['temp'],
        r['run_id'],
      ]),
      [
        ['s1', '12.5', runOf('stations.csv').runId],
        ['s2', '13.0', runOf('stations.csv').runId],
        ['s3', '11.2', runOf('stations.csv').runId],
      ],
    );
  });

  it('fails only the fields of a store that is down, and serves them again once it is back, without a restart', async () => {
    await influx.stop();
    const down = await graphql(gateway, LakeViewDocument, { project, first: 100 });
    const nodes = down.body.data!.objects.nodes;
    assert.equal(nodes.length, 4, 'the objects still arrive');
    assert.ok(
      nodes.every((n) => n.derived.series === null),
      'series are null',
    );
    assert.ok(
      nodes.some((n) => n.derived.images?.length === 1),
      'images still arrive',
    );
    assert.ok(
      nodes.some((n) => n.derived.tables?.length === 1),
      'tables still arrive',
    );
    assert.ok(down.body.errors!.length > 0);
    for (const error of down.body.errors!) {
      assert.deepEqual(
        [error.extensions?.['code'], error.extensions?.['source'], error.path?.at(-1)],
        ['SOURCE_UNAVAILABLE', 'timeseries', 'series'],
      );
    }

    await influx.start();
    const back = await graphql(gateway, LakeViewDocument, { project, first: 100 });
    assert.equal(back.body.errors, undefined, JSON.stringify(back.body.errors));
    assert.ok(back.body.data!.objects.nodes.some((n) => n.derived.series?.[0]?.pointCount === 30));
  });
});
