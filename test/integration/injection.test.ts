import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type FormattedExecutionResult } from 'graphql';
import { type CassandraConnection } from '../../src/datasources/cassandra/cassandra.connection.js';
import { keyspaceFor } from '../../src/datasources/cassandra/cql-names.js';
import { type MongoConnection } from '../../src/datasources/catalog/mongo.connection.js';
import {
  AbortUploadDocument,
  CancelRunDocument,
  CompleteUploadDocument,
  CreateProjectDocument,
  CreateUploadDocument,
  GraphImageDocument,
  GraphThingDocument,
  IngestionEventsDocument,
  ObjectByProjectDocument,
  ObjectsDocument,
  ProjectByNameDocument,
  RetryRunDocument,
  RunDocument,
  RunsPageDocument,
  type RunsPageQuery,
  TableRowsDocument,
  TimeSeriesDocument,
  TimeSeriesPointsDocument,
  TriggerPipelineDocument,
  UpdateProjectDocument,
} from '../generated/graphql.js';
import { freshMongoUrl } from '../helpers/backends.js';
import { tapEvents } from '../helpers/events.js';
import { graphql, startTestGateway, takeResults, type TestGateway, wsClient } from '../helpers/gateway.js';
import { dropGraphProject, PNG } from '../helpers/graph.js';
import { TestBucket } from '../helpers/influx.js';
import {
  eachLimited,
  expectClean,
  INJECTIONS,
  LONG,
  OPERATORS,
  PATH_OR_CONTROL,
  show,
  stored,
  VALUES,
} from '../helpers/injection.js';
import { createProject, uploadFile } from '../helpers/lake.js';
import { type LakeDrivers, type LakeSnapshot, lakeSnapshot, pointsOf } from '../helpers/lake-snapshot.js';
import { stackUrl } from '../helpers/stack.js';

type Body<T> = FormattedExecutionResult<T>;
type ObjectNode = RunsPageQuery['objects']['nodes'][number];

const FROM = '2026-11-01T00:00:00Z';
const TO = '2026-11-02T00:00:00Z';
const readings = Array.from({ length: 6 }, (_, i) => ({
  at: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
  city: i % 2 ? 'rennes' : 'brest',
  temp: 10 + i,
}));
const weatherTemplate = { measurement: 'weather', timeField: 'at', fields: ['temp'], tags: ['city'] };
const flagsTable = {
  name: 'flags',
  columns: { station: 'text', ok: 'boolean', temp: 'double' },
  partitionKey: ['station', 'ok'],
};
const csvField = (s: string) => `"${s.replaceAll('"', '""')}"`;
const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

describe('no argument reaches a store as code', () => {
  const bucket = new TestBucket();
  let gateway: TestGateway;
  let drivers: LakeDrivers;
  let project: string;
  let sink: string;
  let seededBefore: LakeSnapshot;
  const ids = { weather: 0, stations: 0, flags: 0, imageA: 0, imageB: 0 };

  /** Sends a document with any variables, as a client that ignores the schema's types would. */
  async function ask<T>(document: TypedDocumentNode<T, never>, variables: Record<string, unknown>) {
    const doc = document as unknown as TypedDocumentNode<T, Record<string, unknown>>;
    return (await graphql(gateway, doc, variables)).body;
  }

  async function objectsOf(p: string): Promise<ObjectNode[]> {
    const nodes: ObjectNode[] = [];
    let cursor: string | null = null;
    do {
      const body: Body<RunsPageQuery> = await ask(RunsPageDocument, { project: p, after: cursor });
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      nodes.push(...body.data!.objects.nodes);
      cursor = body.data!.objects.pageInfo.hasNextPage ? body.data!.objects.pageInfo.endCursor : null;
    } while (cursor);
    return nodes;
  }

  /** Waits until `count` objects of the project have a run and every run has ended. */
  async function settledRuns(p: string, count: number): Promise<ObjectNode[]> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const nodes = await objectsOf(p);
      const withRuns = nodes.filter((n) => n.runs.length > 0);
      if (withRuns.length >= count && withRuns.every((n) => n.runs.every((r) => FINISHED.has(r.status)))) {
        return nodes;
      }
      assert.ok(
        Date.now() < deadline,
        `runs of ${p} still going: ${JSON.stringify(withRuns.map((n) => n.runs))}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function upload(p: string, name: string, type: string, content: Buffer | string, metadata: object) {
    const { body } = await uploadFile(
      gateway,
      { project: p, metadata: metadata as never },
      { name, type, content: Buffer.from(content) },
    );
    return body;
  }

  before(async () => {
    await bucket.create();
    gateway = await startTestGateway({
      // A barrage of requests: rate limits are tested elsewhere.
      RATE_LIMIT_REQUESTS_PER_MINUTE: '0',
      RATE_LIMIT_UPLOADS_PER_MINUTE: '0',
      ...bucket.env,
      S3_URL: stackUrl('MINIO_S3_URL'),
      MONGODB_URL: freshMongoUrl(),
      NEO4J_URL: stackUrl('NEO4J_URL'),
      CASSANDRA_URL: stackUrl('CASSANDRA_URL'),
      SOURCE_TIMEOUT_MS: '10000',
    });
    const { sources } = gateway.services;
    drivers = {
      db: (sources.catalog as MongoConnection).db,
      graph: sources.graph!.driver,
      cql: (sources.tables as CassandraConnection).client,
      bucket,
      raw: gateway.services.raw,
    };
    project = await createProject(gateway, { pipelineOnUpload: true });
    sink = await createProject(gateway, { pipelineOnUpload: true });
    const seeds: [keyof typeof ids, string, string, Buffer | string, object][] = [
      [
        'weather',
        'weather.json',
        'application/json',
        JSON.stringify(readings),
        { template: weatherTemplate },
      ],
      ['stations', 'stations.csv', 'text/csv', 'station,temp\ns1,12.5\ns2,13.0\n', {}],
      [
        'flags',
        'flags.csv',
        'text/csv',
        'station,ok,temp\ns1,true,1.5\ns2,false,2.5\n',
        { table: flagsTable },
      ],
      [
        'imageA',
        'a.png',
        'image/png',
        PNG,
        { imageContent: { mainObjects: ['cat'], secondaryObjects: ['sofa'] } },
      ],
      [
        'imageB',
        'b.png',
        'image/png',
        Buffer.concat([PNG, Buffer.from('b')]),
        { imageContent: { mainObjects: ['cat'] } },
      ],
    ];
    for (const [key, name, type, content, otherData] of seeds) {
      const body = await upload(project, name, type, content, { owner: 'ana', otherData });
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      ids[key] = body.data!.uploadFile.object.objectId;
    }
    const nodes = await settledRuns(project, seeds.length);
    assert.deepEqual(
      nodes.map((n) => n.runs.map((r) => [r.status, r.error?.message])),
      seeds.map(() => [['SUCCEEDED', undefined]]),
    );
    // the run ends before its last event is written
    const succeeded = { project, type: 'PIPELINE_SUCCEEDED' };
    while ((await drivers.db.collection('events').countDocuments(succeeded)) < seeds.length) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    seededBefore = await lakeSnapshot(drivers, project);
    assert.equal(seededBefore.points.length, readings.length, 'the seeded points are there');
    assert.ok(seededBefore.graph.length > 0 && Object.keys(seededBefore.tables).length === 3);
  });

  after(async () => {
    if (gateway) {
      for (const p of [project, sink]) {
        if (!p) continue;
        await dropGraphProject(drivers.graph, p);
        await drivers.cql.execute(`DROP KEYSPACE IF EXISTS ${keyspaceFor(p)}`, [], { readTimeout: 60_000 });
      }
      await gateway.close();
    }
    await bucket.drop();
  });

  it('answers project names, object ids, filters and cursors of the catalog cleanly or literally', async () => {
    const none = (label: string) => (data: { objects: { nodes: unknown[] } }) =>
      assert.deepEqual(data.objects.nodes, [], `${label}: nothing matches`);
    await eachLimited(VALUES, 4, async (v) => {
      const l = (what: string) => `${what} = ${show(v)}`;
      expectClean(l('objects(project)'), await ask(ObjectsDocument, { project: v }), 'project');
      expectClean(l('project(name)'), await ask(ProjectByNameDocument, { name: v }), 'name', (d) =>
        assert.equal(d.project, null),
      );
      expectClean(
        l('object(project)'),
        await ask(ObjectByProjectDocument, { project: v, objectId: 1 }),
        null,
        (d) => assert.equal(d.object, null),
      );
      expectClean(
        l('object(objectId)'),
        await ask(ObjectByProjectDocument, { project, objectId: v }),
        'objectId',
      );
      const filters: [object, string][] = [
        [{ owner: v }, 'filter.owner'],
        [{ contentType: v }, 'filter.contentType'],
        [{ otherData: [{ path: 'template.measurement', value: v }] }, 'filter.otherData.value'],
        [{ otherData: [{ path: v, value: 'weather' }] }, 'filter.otherData.path'],
      ];
      for (const [filter, argument] of filters) {
        const label = l(`objects(${argument})`);
        expectClean(label, await ask(ObjectsDocument, { project, filter }), argument, none(label));
      }
      expectClean(l('objects(after)'), await ask(ObjectsDocument, { project, after: v }), 'after');
      expectClean(
        l('updateProject(name)'),
        await ask(UpdateProjectDocument, { name: v, profile: { maxFiles: 9 } }),
        'name',
      );
    });
    // a valid project name would only make that project
    await eachLimited(
      VALUES.filter((v) => typeof v !== 'string' || !/^[a-z0-9-]+$/.test(v)),
      4,
      async (v) => {
        expectClean(
          `createProject(name) = ${show(v)}`,
          await ask(CreateProjectDocument, { name: v }),
          'project',
        );
      },
    );
    const cursor = (text: string) => Buffer.from(text).toString('base64url');
    for (const text of ['object:1 OR 1=1', 'object:{"$gt":0}', 'object:1\u0000', 'object:-1', 'objects:1']) {
      expectClean(
        `objects(after: ${text})`,
        await ask(ObjectsDocument, { project, after: cursor(text) }),
        'after',
      );
    }
    // a count past every object id is a number all the same
    const far = await ask(ObjectsDocument, { project, after: cursor(`object:${'9'.repeat(400)}`) });
    expectClean('objects(after: a huge id)', far, 'after', (d) => assert.equal(d.objects.nodes.length, 5));
  });

  it('answers every timeSeries argument cleanly or literally', async () => {
    const base = { project, measurement: 'weather', from: FROM, to: TO };
    const empty = (label: string) => (d: { timeSeries: unknown[] }) =>
      assert.deepEqual(d.timeSeries, [], label);
    await eachLimited(VALUES, 4, async (v) => {
      const l = (what: string) => `timeSeries(${what}) = ${show(v)}`;
      expectClean(l('project'), await ask(TimeSeriesDocument, { ...base, project: v }), 'project');
      expectClean(
        l('measurement'),
        await ask(TimeSeriesDocument, { ...base, measurement: v }),
        'measurement',
        empty(l('measurement')),
      );
      expectClean(
        l('tags.name'),
        await ask(TimeSeriesDocument, { ...base, tags: [{ name: v, value: 'brest' }] }),
        'tags.name',
        empty(l('tags.name')),
      );
      expectClean(
        l('tags.value'),
        await ask(TimeSeriesDocument, { ...base, tags: [{ name: 'city', value: v }] }),
        'tags.value',
        empty(l('tags.value')),
      );
      expectClean(
        l('every'),
        await ask(TimeSeriesDocument, { ...base, every: v, aggregate: 'MEAN' }),
        'every',
      );
      expectClean(
        l('groupBy'),
        await ask(TimeSeriesDocument, { ...base, groupBy: [v], aggregate: 'COUNT' }),
        'groupBy',
        (d) => {
          // a tag no point has: one series, counted across every tag
          assert.deepEqual(
            d.timeSeries.map((s) => [s.tags, s.points[0]?.values]),
            [[{}, { temp: readings.length }]],
            l('groupBy'),
          );
        },
      );
      for (const name of ['from', 'to', 'aggregate']) {
        expectClean(l(name), await ask(TimeSeriesDocument, { ...base, [name]: v }), name);
      }
    });
    await eachLimited(INJECTIONS, 4, async (v) => {
      const body = await subscribeOnce(TimeSeriesPointsDocument, { project: v, measurement: 'weather' });
      expectClean(`timeSeriesPoints(project) = ${show(v)}`, body, 'project');
    });
    for (const every of ['9223372036854775808ns', '99999999999999999999w', '0s', '000ms', '15251w', 'time']) {
      expectClean(
        `every ${every}`,
        await ask(TimeSeriesDocument, { ...base, every, aggregate: 'MEAN' }),
        'every',
      );
    }
    for (const name of ['time', 'TIME', 'Time']) {
      const tags = [{ name, value: '2026-11-01T00:00:00Z' }];
      expectClean(`tags.name ${name}`, await ask(TimeSeriesDocument, { ...base, tags }), 'tags.name');
      expectClean(
        `groupBy ${name}`,
        await ask(TimeSeriesDocument, { ...base, groupBy: [name], aggregate: 'MEAN' }),
        'groupBy',
      );
    }
    // the widest range a client can ask for, and the longest window InfluxDB takes: the seeded points
    const widest = { ...base, from: '0001-01-01T00:00:00Z', to: '9999-12-31T23:59:59Z' };
    expectClean('the widest range', await ask(TimeSeriesDocument, widest), null, (d) =>
      assert.equal(
        d.timeSeries.reduce((n, s) => n + s.points.length, 0),
        readings.length,
      ),
    );
    for (const every of ['1ns', '15250w']) {
      const body = await ask(TimeSeriesDocument, { ...widest, every, aggregate: 'COUNT' });
      expectClean(`the widest range every ${every}`, body, null, (d) => {
        const counts = d.timeSeries.flatMap((s) => s.points.map((p) => (p.values as { temp: number }).temp));
        assert.equal(
          counts.reduce((n, c) => n + c, 0),
          readings.length,
        );
      });
    }
  });

  it('answers image and thing names, projects and limits of the graph cleanly or literally', async () => {
    await eachLimited(VALUES, 4, async (v) => {
      const l = (what: string) => `${what} = ${show(v)}`;
      expectClean(
        l('image(project)'),
        await ask(GraphImageDocument, { project: v, objectId: ids.imageA }),
        null,
        (d) => assert.equal(d.image, null),
      );
      expectClean(l('image(objectId)'), await ask(GraphImageDocument, { project, objectId: v }), 'objectId');
      expectClean(
        l('similarImages(limit)'),
        await ask(GraphImageDocument, { project, objectId: ids.imageA, limit: v }),
        'limit',
      );
      expectClean(l('thing(name)'), await ask(GraphThingDocument, { project, name: v }), null, (d) =>
        assert.equal(d.thing, null),
      );
      expectClean(
        l('thing(project)'),
        await ask(GraphThingDocument, { project: v, name: 'cat' }),
        null,
        (d) => assert.equal(d.thing, null),
      );
      expectClean(
        l('thing.images(first)'),
        await ask(GraphThingDocument, { project, name: 'cat', first: v }),
        'first',
      );
    });
    for (const limit of [0, -1, 101, 2 ** 31 - 1, -(2 ** 31)]) {
      const body = await ask(GraphImageDocument, { project, objectId: ids.imageA, limit });
      assert.equal(expectClean(`similarImages(limit: ${limit})`, body, 'limit'), 'refused');
    }
    for (const first of [0, -1, 1001, 2 ** 31 - 1, -(2 ** 31)]) {
      const body = await ask(GraphThingDocument, { project, name: 'cat', first });
      assert.equal(expectClean(`thing.images(first: ${first})`, body, 'first'), 'refused');
    }
    const body = await ask(GraphImageDocument, { project, objectId: ids.imageA, limit: 100 });
    expectClean('limit 100', body, null, (d) =>
      assert.deepEqual(
        d.image?.similarImages.map((s) => s.objectId),
        [ids.imageB],
      ),
    );
  });

  it('answers table names, partition keys and cursors of tableRows cleanly or literally', async () => {
    const rows = { project, table: 'stations', partitionKey: { object_id: ids.stations } };
    const none = (label: string) => (d: { tableRows: { rows: unknown[] } }) =>
      assert.deepEqual(d.tableRows.rows, [], label);
    await eachLimited(VALUES, 4, async (v) => {
      const l = (what: string) => `tableRows(${what}) = ${show(v)}`;
      expectClean(l('project'), await ask(TableRowsDocument, { ...rows, project: v }), 'project');
      expectClean(l('table'), await ask(TableRowsDocument, { ...rows, table: v }), 'table');
      expectClean(
        l('partitionKey'),
        await ask(TableRowsDocument, { ...rows, partitionKey: v }),
        'partitionKey',
      );
      if (typeof v === 'string') {
        expectClean(
          l('partitionKey name'),
          await ask(TableRowsDocument, { ...rows, partitionKey: { [v]: 1 } }),
          'partitionKey',
        );
      }
      expectClean(
        l('partitionKey int'),
        await ask(TableRowsDocument, { ...rows, partitionKey: { object_id: v } }),
        'partitionKey',
      );
      const flags = { project, table: 'flags' };
      expectClean(
        l('partitionKey text'),
        await ask(TableRowsDocument, { ...flags, partitionKey: { station: v, ok: true } }),
        'partitionKey',
        none(l('partitionKey text')),
      );
      expectClean(
        l('partitionKey boolean'),
        await ask(TableRowsDocument, { ...flags, partitionKey: { station: 's1', ok: v } }),
        'partitionKey',
      );
      expectClean(l('after'), await ask(TableRowsDocument, { ...rows, after: v }), 'after');
    });
    for (const after of ['AAAA', 'x'.repeat(4096), Buffer.from('{"$ne": null}').toString('base64url')]) {
      expectClean(
        `tableRows(after: ${show(after)})`,
        await ask(TableRowsDocument, { ...rows, after }),
        'after',
      );
    }
    const body = await ask(TableRowsDocument, {
      project,
      table: 'flags',
      partitionKey: { station: 's1', ok: 'true' },
    });
    expectClean('the seeded row', body, null, (d) =>
      assert.deepEqual(
        (d.tableRows.rows as Record<string, unknown>[]).map((r) => [r['station'], r['ok'], r['temp']]),
        [['s1', true, 1.5]],
      ),
    );
  });

  it('refuses injected pipeline names, run ids and upload ids', async () => {
    await eachLimited(VALUES, 4, async (v) => {
      const l = (what: string) => `${what} = ${show(v)}`;
      expectClean(
        l('triggerPipeline(pipeline)'),
        await ask(TriggerPipelineDocument, { project, objectId: ids.weather, pipeline: v }),
        'pipeline',
      );
      expectClean(
        l('triggerPipeline(project)'),
        await ask(TriggerPipelineDocument, { project: v, objectId: ids.weather }),
        'project',
      );
      expectClean(l('run(runId)'), await ask(RunDocument, { runId: v }), 'runId', (d) =>
        assert.equal(d.run, null),
      );
      expectClean(l('retryRun(runId)'), await ask(RetryRunDocument, { runId: v }), 'runId');
      expectClean(l('cancelRun(runId)'), await ask(CancelRunDocument, { runId: v }), 'runId');
      expectClean(
        l('completeUpload(uploadId)'),
        await ask(CompleteUploadDocument, { uploadId: v }),
        'uploadId',
      );
      expectClean(l('abortUpload(uploadId)'), await ask(AbortUploadDocument, { uploadId: v }), 'uploadId');
    });
  });

  it('answers ingestionEvents for an injected project, cursor or upload id without an event of another', async () => {
    await eachLimited(INJECTIONS, 4, async (v) => {
      expectClean(
        `ingestionEvents(project) = ${show(v)}`,
        await subscribeOnce(IngestionEventsDocument, { project: v, after: 0 }),
        'project',
      );
    });
    const seededEvents = seededBefore.catalog['events']!.length;
    for (const after of [-(2 ** 31), -1]) {
      const client = wsClient(gateway);
      try {
        const events = await takeResults(client, IngestionEventsDocument, seededEvents, { project, after });
        assert.deepEqual(
          events.map((e) => e.data?.ingestionEvents.sequence),
          Array.from({ length: seededEvents }, (_, i) => i + 1),
        );
      } finally {
        await client.dispose();
      }
    }
    const client = wsClient(gateway);
    const taps = INJECTIONS.map((uploadId) => tapEvents(client, { project: sink, uploadId, after: 0 }));
    const control = tapEvents(client, { project: sink });
    try {
      const body = await upload(sink, 'note.txt', 'text/plain', 'a note', {});
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      const uploadId = body.data!.uploadFile.uploadId;
      await control.until((e) => e.uploadId === uploadId && e.type === 'CATALOGED');
      for (const [i, tap] of taps.entries()) {
        assert.deepEqual(tap.events, [], `uploadId ${show(INJECTIONS[i])}`);
      }
    } finally {
      [...taps, control].forEach((t) => t.stop());
      await client.dispose();
    }
  });

  it('takes upload metadata literally, and refuses keys MongoDB would read as operators before storing anything', async () => {
    const countSink = async () =>
      (await drivers.db.collection('entries').countDocuments({ project: sink })) as number;
    const start = await countSink();
    let kept = 0;
    await eachLimited(INJECTIONS, 3, async (v) => {
      const l = (what: string) => `${what} = ${show(v)}`;
      const outcomes: ('refused' | 'answered')[] = [];
      const body = await upload(sink, 'meta.txt', 'text/plain', l('metadata'), { owner: v, application: v });
      outcomes.push(
        expectClean(l('uploadFile(metadata.owner, application)'), body, null, (d) => {
          const o = d.uploadFile.object;
          assert.ok([v, stored(v)].includes(o.owner), `owner of ${show(v)}: ${show(o.owner)}`);
          assert.ok(
            [v, stored(v)].includes(o.application!),
            `application of ${show(v)}: ${show(o.application)}`,
          );
        }),
      );
      // it goes to the raw zone as a header too
      const typed = await upload(sink, 'type.txt', 'text/plain', l('contentType'), { contentType: v });
      outcomes.push(
        expectClean(l('uploadFile(metadata.contentType)'), typed, 'contentType', (d) =>
          assert.equal(d.uploadFile.object.contentType, v),
        ),
      );
      // a name the multipart header cannot carry (NUL) is a malformed request
      const named = await upload(sink, v, 'text/plain', l('file name'), {});
      outcomes.push(
        expectClean(
          l('uploadFile(file name)'),
          named,
          'file',
          (d) => assert.doesNotMatch(d.uploadFile.object.originalName, PATH_OR_CONTROL, show(v)),
          ['BAD_REQUEST'],
        ),
      );
      // a single PUT, and a multipart upload (its S3 metadata carries the file name)
      for (const size of [3, 300 * 2 ** 20]) {
        for (const [input, argument] of [
          [{ fileName: v, contentType: 'text/plain', metadata: { owner: v } }, 'file'],
          [{ fileName: 'x.txt', contentType: v }, 'contentType'],
        ] as const) {
          const created = await ask(CreateUploadDocument, { input: { project: sink, size, ...input } });
          const outcome = expectClean(l(`createUpload(${argument}, ${size} bytes)`), created, argument, (d) =>
            assert.equal(d.createUpload.object.status, 'PENDING'),
          );
          if (outcome === 'answered') {
            const aborted = await ask(AbortUploadDocument, { uploadId: created.data!.createUpload.uploadId });
            assert.equal(aborted.errors, undefined, JSON.stringify(aborted.errors));
          }
          outcomes.push(outcome);
        }
      }
      kept += outcomes.filter((o) => o === 'answered').length;
    });
    const badKeys = ['$where', '$ne', 'a.b', 'a\u0000b', '', '$'];
    const shapes = (key: string) => [
      { [key]: 1 },
      { template: { [key]: 'sleep(100)' } },
      { imageContent: { mainObjects: [{ [key]: null }] } },
    ];
    for (const otherData of [...badKeys.flatMap(shapes), ...OPERATORS.filter((o) => !Array.isArray(o))]) {
      const body = await upload(sink, 'o.json', 'application/json', '[]', { otherData });
      expectClean(`otherData ${show(otherData)}`, body, 'metadata.otherData');
      assert.ok(body.errors, `otherData ${show(otherData)} is refused`);
    }
    const ownerIsOperator = await upload(sink, 'o.txt', 'text/plain', 'x', { owner: { $ne: null } });
    expectClean('owner as an operator', ownerIsOperator, 'owner');
    assert.equal(await countSink(), start + kept, 'only the accepted uploads made entries');
    for await (const o of drivers.raw.list(sink)) {
      assert.match(o.key, /^\d{10}-[0-9a-f-]{36}$/, 'the gateway names every object');
    }
  });

  it('runs pipelines on injected templates, tag values, CSV headers and thing names to a clean end', async () => {
    // per object: what it tries, and whether its run must succeed (true), fail cleanly (false), or either (null)
    const expected = new Map<number, { label: string; ok: boolean | null }>();
    const send = async (
      label: string,
      ok: boolean | null,
      file: [name: string, type: string, content: Buffer | string],
      otherData: object | null,
    ): Promise<number> => {
      const body = await upload(sink, ...file, { otherData });
      assert.equal(body.errors, undefined, `${label}: ${JSON.stringify(body.errors)}`);
      const { objectId } = body.data!.uploadFile.object;
      expected.set(objectId, { label, ok });
      return objectId;
    };
    const point = JSON.stringify([{ at: FROM, temp: 1 }]);
    await eachLimited(INJECTIONS, 3, async (v) => {
      const template = { measurement: v, timeField: 'at', fields: ['temp'] };
      await send(`template.measurement ${show(v)}`, null, ['m.json', 'application/json', point], {
        template,
      });
      await send(`table.name ${show(v)}`, null, ['t.csv', 'text/csv', 'a\n1\n'], { table: { name: v } });
      const columns = { table: { name: 'cols', columns: { [v]: 'text', a: 'int' }, partitionKey: ['a'] } };
      const body = await upload(sink, 'c.csv', 'text/csv', 'a\n1\n', { otherData: columns });
      if (body.errors) expectClean(`table.columns ${show(v)}`, body, 'metadata.otherData');
      else
        expected.set(body.data!.uploadFile.object.objectId, { label: `table.columns ${show(v)}`, ok: null });
    });
    // tag values: InfluxDB takes them as they are, except a trailing backslash (refused) and what is too long
    const tagged = INJECTIONS.filter((v) => v !== '' && !v.endsWith('\\') && v !== LONG);
    const records = tagged.map((city, i) => ({
      at: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
      temp: i,
      city,
    }));
    const cities = {
      template: { measurement: 'injected', timeField: 'at', fields: ['temp'], tags: ['city'] },
    };
    const json = (r: object[]) => JSON.stringify(r);
    const citiesId = await send(
      'tag values',
      true,
      ['cities.json', 'application/json', json(records)],
      cities,
    );
    const backslash = [...records, { ...records[0], city: 'x\\' }];
    const backslashId = await send(
      'a tag value ending with a backslash',
      false,
      ['b.json', 'application/json', json(backslash)],
      cities,
    );
    const long = [{ ...records[0], city: LONG }];
    await send(
      'a tag value too long for a series key',
      false,
      ['l.json', 'application/json', json(long)],
      cities,
    );
    // CSV: every value a cell of its own row; header labels that normalise to names; labels that do not
    const cells = INJECTIONS.map((v, i) => `${i},${csvField(v)}`).join('\n');
    const notes = { table: { name: 'notes', columns: { id: 'int', note: 'text' }, partitionKey: ['id'] } };
    const notesId = await send('CSV cells', true, ['notes.csv', 'text/csv', `id,note\n${cells}\n`], notes);
    // text partition keys: every value a key, read back by that key
    const keys = INJECTIONS.filter((v) => v !== '' && v !== LONG);
    const keyedCsv = `k,n\n${keys.map((v, i) => `${csvField(v)},${i}`).join('\n')}\n`;
    const keyed = { table: { name: 'keyed', columns: { k: 'text', n: 'int' }, partitionKey: ['k'] } };
    const keyedId = await send('CSV partition keys', true, ['keyed.csv', 'text/csv', keyedCsv], keyed);
    const longKey = `k,n\n${csvField(LONG)},1\n`;
    await send('a CSV key too long for Cassandra', false, ['long-key.csv', 'text/csv', longKey], keyed);
    const named = [
      "x' }) MATCH (n) DETACH DELETE n //",
      'a; DROP KEYSPACE x',
      'm" WHERE 1=1 --',
      '../../etc/passwd',
    ];
    const header = `${named.map(csvField).join(',')}\n1,2,3,4\n`;
    const headersId = await send('CSV header labels', true, ['headers.csv', 'text/csv', header], null);
    const badHeader = `${INJECTIONS.map(csvField).join(',')}\n`;
    await send(
      'CSV header labels that make no name',
      false,
      ['bad-headers.csv', 'text/csv', badHeader],
      null,
    );
    // images: every value a thing, as long as it fits a thing name
    const things = INJECTIONS.filter((v) => v.trim() !== '' && v.length <= 200);
    const content = { imageContent: { mainObjects: things.slice(0, 5), secondaryObjects: things.slice(5) } };
    const imageId = await send('thing names', true, ['things.png', 'image/png', PNG], content);
    const tooLong = { imageContent: { mainObjects: [LONG.slice(0, 201)] } };
    const otherPng = Buffer.concat([PNG, Buffer.from('l')]);
    await send('a thing name too long', false, ['long.png', 'image/png', otherPng], tooLong);

    const nodes = await settledRuns(sink, expected.size);
    for (const node of nodes.filter((n) => expected.has(n.objectId))) {
      const { label, ok } = expected.get(node.objectId)!;
      const [run] = node.runs;
      assert.ok(run, `${label}: a run`);
      if (run.status === 'FAILED')
        assert.equal(run.error?.code, 'BAD_USER_INPUT', `${label}: ${run.error?.message}`);
      else assert.equal(run.status, 'SUCCEEDED', label);
      if (ok !== null)
        assert.equal(run.status, ok ? 'SUCCEEDED' : 'FAILED', `${label}: ${run.error?.message}`);
    }

    const points = await pointsOf(bucket);
    assert.equal(
      points.filter((p) => p['object_id'] === String(backslashId)).length,
      0,
      'a refused file writes no point',
    );
    // line protocol carries a line break or tab in a tag value as the text \n, \r or \t, as InfluxDB's client does
    const ESCAPED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    await eachLimited(tagged, 4, async (city) => {
      const written = stored(city).replace(/[\n\r\t]/g, (c) => ESCAPED[c]!);
      const body = await ask(TimeSeriesDocument, {
        project: sink,
        measurement: 'injected',
        from: FROM,
        to: TO,
        tags: [{ name: 'city', value: written }],
      });
      expectClean(`tag value ${show(city)}`, body, null, (d) =>
        assert.deepEqual(
          d.timeSeries.map((s) => [s.tags, s.points.length, s.source?.objectId]),
          [[{ city: written }, 1, citiesId]],
          `tag value ${show(city)}`,
        ),
      );
    });
    assert.equal(points.filter((p) => p['object_id'] === String(citiesId)).length, tagged.length);

    for (const [i, v] of INJECTIONS.entries()) {
      const body = await ask(TableRowsDocument, { project: sink, table: 'notes', partitionKey: { id: i } });
      expectClean(`CSV cell ${show(v)}`, body, null, (d) =>
        assert.deepEqual(
          (d.tableRows.rows as Record<string, unknown>[]).map((r) => [r['note'], r['object_id']]),
          [[stored(v), notesId]],
          `CSV cell ${show(v)}`,
        ),
      );
    }
    await eachLimited(keys, 4, async (k) => {
      const body = await ask(TableRowsDocument, {
        project: sink,
        table: 'keyed',
        partitionKey: { k: stored(k) },
      });
      expectClean(`CSV key ${show(k)}`, body, null, (d) =>
        assert.deepEqual(
          (d.tableRows.rows as Record<string, unknown>[]).map((r) => [r['k'], r['n'], r['object_id']]),
          [[stored(k), keys.indexOf(k), keyedId]],
          `CSV key ${show(k)}`,
        ),
      );
    });
    const headers = await ask(TableRowsDocument, {
      project: sink,
      table: 'headers',
      partitionKey: { object_id: headersId },
    });
    expectClean('CSV header labels', headers, null, (d) =>
      assert.deepEqual(d.tableRows.columns.map((c) => c.name).sort(), [
        'a_drop_keyspace_x',
        'etc_passwd',
        'm_where_1_1',
        'object_id',
        'row_number',
        'run_id',
        'x_match_n_detach_delete_n',
      ]),
    );

    const image = await ask(GraphImageDocument, { project: sink, objectId: imageId });
    expectClean('thing names', image, null, (d) =>
      assert.deepEqual(d.image?.things.map((t) => t.name).sort(), things.map((t) => stored(t.trim())).sort()),
    );
    await eachLimited(things, 4, async (name) => {
      const body = await ask(GraphThingDocument, { project: sink, name: stored(name.trim()) });
      expectClean(`thing ${show(name)}`, body, null, (d) => assert.equal(d.thing?.imageCount, 1, show(name)));
    });
  });

  it('leaves every record of the seeded project in every store as it was, and adds none', async () => {
    const after = await lakeSnapshot(drivers, project);
    assert.deepEqual(after, seededBefore);
    const projects = new Set((await pointsOf(bucket)).map((p) => p['project']));
    assert.deepEqual([...projects].sort(), [project, sink].sort(), 'every point carries its lineage');
    const { records } = await drivers.graph.executeQuery(
      'MATCH (n) WHERE (n:Image OR n:Thing) AND n.project IS NULL RETURN count(n) AS n',
    );
    assert.equal(records[0]!.get('n').toNumber(), 0, 'no node without a project');
    const keyspaces = await drivers.cql.execute('SELECT keyspace_name FROM system_schema.keyspaces');
    const names = keyspaces.rows.map((r) => r.get('keyspace_name') as string);
    assert.ok(names.includes(keyspaceFor(project)) && names.includes('system_schema'));
  });

  /** The first result of a subscription, or its refusal, in the shape of a query's answer. */
  async function subscribeOnce<T>(
    document: TypedDocumentNode<T, never>,
    variables: Record<string, unknown>,
  ): Promise<Body<T>> {
    const client = wsClient(gateway);
    try {
      const doc = document as unknown as TypedDocumentNode<T, Record<string, unknown>>;
      const [first] = await takeResults(client, doc, 1, variables);
      return first!;
    } catch (errors) {
      return { errors: errors as Body<T>['errors'] };
    } finally {
      await client.dispose();
    }
  }
});
