import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CatalogEntry } from '../../src/datasources/catalog/catalog.js';
import { BadInputError } from '../../src/errors/errors.js';
import { MemoryBudget } from '../../src/pipelines/memory-budget.js';
import { type StepContext } from '../../src/pipelines/step.js';
import { JsonToInfluxStep } from '../../src/pipelines/steps/json-to-influx.js';
import {
  TimeSeriesDocument,
  type TimeSeriesQueryVariables,
  TimeSeriesPointsDocument,
} from '../generated/graphql.js';
import { graphql, startTestGateway, takeResults, type TestGateway, wsClient } from '../helpers/gateway.js';
import { catalogEntry, TestBucket } from '../helpers/influx.js';
import { stepContext } from '../helpers/step-context.js';
import { createProject, errorCode, uploadFile } from '../helpers/lake.js';
import { uniqueName } from '../helpers/stack.js';

const T0 = Date.parse('2024-03-01T00:00:00Z');
const MINUTE = 60_000;
const CLIMATE = { measurement: 'climate', timeField: 'ts', fields: ['temp', 'hum'], tags: ['room'] };

/** n readings a minute apart from T0; room a on odd minutes, b on even ones. */
const readings = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    ts: new Date(T0 + i * MINUTE).toISOString(),
    temp: 20 + (i % 10),
    hum: 50,
    room: i % 2 ? 'a' : 'b',
    note: 'not mapped',
  }));

describe('json-to-influx against InfluxDB, read back through GraphQL', () => {
  const bucket = new TestBucket();
  let gateway: TestGateway;
  let project: string;

  /** Uploads the file through GraphQL so the catalog has its entry; returns that entry. */
  async function upload(content: string, template: unknown): Promise<CatalogEntry> {
    const { body } = await uploadFile(
      gateway,
      { project, metadata: { otherData: { template } } },
      { name: `${uniqueName('readings')}.json`, type: 'application/json', content: Buffer.from(content) },
    );
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    const [entry] = await gateway.services.catalog.entries(project, [body.data!.uploadFile.object.objectId]);
    return entry!;
  }

  const series = (variables: Partial<TimeSeriesQueryVariables>) =>
    graphql(gateway, TimeSeriesDocument, {
      project,
      measurement: 'climate',
      from: new Date(T0 - 3600_000).toISOString(),
      to: new Date(T0 + 86_400_000).toISOString(),
      ...variables,
    });

  const step = (batchSize = 100) => new JsonToInfluxStep(bucket.store(batchSize), gateway.services.pubSub);

  before(async () => {
    await bucket.create();
    gateway = await startTestGateway(bucket.env);
    project = await createProject(gateway);
  });
  after(async () => {
    await gateway.close();
    await bucket.drop();
  });

  let climate: CatalogEntry;

  it('writes a JSON array in batches, with lineage tags, as the driver and timeSeries read it back', async () => {
    climate = await upload(JSON.stringify(readings(250)), CLIMATE);
    const progress: (number | undefined)[] = [];
    const result = await step().run(
      stepContext(climate, JSON.stringify(readings(250)), { progress: (_, n) => progress.push(n) }),
    );
    assert.equal(result.count, 250);
    assert.deepEqual(progress, [100, 200, 250]);

    const rows = await bucket.rows('climate');
    assert.equal(rows.length, 500, 'two fields per point');
    assert.ok(
      rows.every(
        (r) =>
          r['project'] === project &&
          r['object_id'] === String(climate.objectId) &&
          r['run_id'] === `run-${project}-${climate.objectId}` &&
          r['note'] === undefined,
      ),
    );

    const { body } = await series({});
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    const [a, b] = body.data!.timeSeries;
    assert.deepEqual(
      [a!.tags, a!.points.length, b!.tags, b!.points.length],
      [{ room: 'a' }, 125, { room: 'b' }, 125],
    );
    assert.deepEqual(b!.columns, ['hum', 'temp']);
    assert.deepEqual(b!.points[1], {
      time: new Date(T0 + 2 * MINUTE).toISOString(),
      values: { hum: 50, temp: 22 },
    });
    assert.equal(b!.source?.objectId, climate.objectId);
    assert.equal(b!.source?.object?.originalName, climate.originalName);
  });

  it('aggregates through GraphQL with every, and across objects with groupBy', async () => {
    const hourly = await series({ every: '1h', aggregate: 'MAX', tags: [{ name: 'room', value: 'b' }] });
    assert.equal(hourly.body.errors, undefined, JSON.stringify(hourly.body.errors));
    const [roomB] = hourly.body.data!.timeSeries;
    assert.deepEqual(
      roomB!.points.map((p) => p.values),
      [
        { hum: 50, temp: 28 },
        { hum: 50, temp: 28 },
        { hum: 50, temp: 28 },
        { hum: 50, temp: 28 },
        { hum: 50, temp: 28 },
      ],
    );
    const merged = await series({ aggregate: 'COUNT', groupBy: [] });
    assert.deepEqual(
      merged.body.data!.timeSeries.map((s) => [s.tags, s.source, s.points[0]!.values]),
      [[{}, null, { hum: 250, temp: 250 }]],
    );
  });

  it('writes nothing twice when the same run runs again', async () => {
    const result = await step(30).run(stepContext(climate, JSON.stringify(readings(250))));
    assert.equal(result.count, 250);
    assert.equal(await bucket.pointCount('climate'), 250);
  });

  it('reads NDJSON with epoch seconds and nanosecond strings, to the nanosecond', async () => {
    const lines = ['{"t": 1700000000.5, "v": 1}', '', '{"t": "1700000001.000000001", "v": 2}'].join('\n');
    const entry = catalogEntry(project, 9001, {
      template: { measurement: 'ticks', timeField: 't', timeFormat: 's', fields: ['v'] },
    });
    assert.equal((await step().run(stepContext(entry, lines))).count, 2);
    const nanos = catalogEntry(project, 9002, {
      template: { measurement: 'ticks', timeField: 't', timeFormat: 'ns', fields: ['v'] },
    });
    await step().run(stepContext(nanos, '{"t":"1700000002000000003","v":3}\n'));
    const times = (await bucket.rows('ticks')).map((r) => r['_time']);
    assert.deepEqual(times, [
      '2023-11-14T22:13:20.5Z',
      '2023-11-14T22:13:21.000000001Z',
      '2023-11-14T22:13:22.000000003Z',
    ]);
  });

  it('refuses a bad template or bad records with BAD_USER_INPUT before writing anything', async () => {
    const good = JSON.stringify(readings(3));
    const one = readings(1)[0]!;
    const template = { ...CLIMATE, measurement: 'refused' };
    const cases: [unknown, string, RegExp][] = [
      [{ ...template, fields: [] }, good, /template\.fields/],
      [{ ...template, tags: ['run_id'] }, good, /run_id is a lineage tag/],
      [{ ...template, measurement: 'refused"; DROP' }, good, /template\.measurement/],
      [{ ...template, timeFormat: 'minutes' }, good, /template\.timeFormat/],
      [undefined, good, /no otherData\.template/],
      [
        template,
        JSON.stringify([one, { temp: 1, hum: 2 }, one, { ...one, temp: 'warm' }]),
        /2 of 4 records do not fit the template: record 1 has no time field ts; record 3 field temp is not a number \("warm"\)/,
      ],
      [template, `${JSON.stringify(one)}\n{"ts": oops}\n`, /record 1 \(line 2\) is not valid JSON/],
      [template, JSON.stringify([one]).slice(0, -1), /not closed/],
      [
        template,
        JSON.stringify([{ ...one, ts: '2024-03-01 10:00' }]),
        /record 0 time field ts is not an RFC 3339/,
      ],
    ];
    for (const [i, [t, content, message]] of cases.entries()) {
      const entry = catalogEntry(project, 100 + i, t === undefined ? null : { template: t });
      await assert.rejects(step().run(stepContext(entry, content)), (error: unknown) => {
        assert.ok(error instanceof BadInputError, String(error));
        assert.match(error.message, message);
        return true;
      });
    }
    assert.deepEqual(await bucket.rows('refused'), []);
  });

  it('stops between batches when the run is cancelled', async () => {
    const controller = new AbortController();
    const entry = catalogEntry(project, 9100, { template: { ...CLIMATE, measurement: 'cancelled' } });
    const run = step(100).run(
      stepContext(entry, JSON.stringify(readings(350)), {
        signal: controller.signal,
        progress: () => controller.abort(new Error('cancelled by the test')),
      }),
    );
    await assert.rejects(run, /cancelled by the test/);
    assert.equal(await bucket.pointCount('cancelled'), 100);
  });

  it('streams an object beyond the memory budget: checks every record, then writes', async () => {
    // objects over 64 bytes are not held: the step reads them twice, a batch at a time
    const streamed = () =>
      new JsonToInfluxStep(bucket.store(100), gateway.services.pubSub, new MemoryBudget(64));
    const template = { ...CLIMATE, measurement: 'streamed' };
    let opens = 0;
    const counted = (entry: CatalogEntry, content: string, overrides: Partial<StepContext> = {}) => {
      const context = stepContext(entry, content, overrides);
      return { ...context, open: () => (opens++, context.open()) };
    };
    const bad = JSON.stringify([...readings(249), { ...readings(1)[0]!, temp: null }]);
    await assert.rejects(
      streamed().run(counted(catalogEntry(project, 9400, { template }), bad)),
      (error: unknown) => {
        assert.ok(error instanceof BadInputError, String(error));
        assert.match(
          error.message,
          /1 of 250 records do not fit the template: record 249 field temp is not a number/,
        );
        return true;
      },
    );
    assert.equal(opens, 1);
    assert.equal(await bucket.pointCount('streamed'), 0);

    const progress: (number | undefined)[] = [];
    const entry = catalogEntry(project, 9401, { template });
    const result = await streamed().run(
      counted(entry, JSON.stringify(readings(250)), { progress: (_, n) => progress.push(n) }),
    );
    assert.equal(result.count, 250);
    assert.equal(opens, 3, 'a checking pass, then a writing pass');
    assert.deepEqual(progress, [100, 200, 250]);
    assert.equal(await bucket.pointCount('streamed'), 250);

    const controller = new AbortController();
    const cancelled = streamed().run(
      stepContext(
        catalogEntry(project, 9402, { template: { ...template, measurement: 'streamed_cancel' } }),
        JSON.stringify(readings(350)),
        {
          signal: controller.signal,
          progress: () => controller.abort(new Error('cancelled by the test')),
        },
      ),
    );
    await assert.rejects(cancelled, /cancelled by the test/);
    assert.equal(await bucket.pointCount('streamed_cancel'), 100);
  });

  it('streams each written batch to timeSeriesPoints subscribers', async () => {
    const client = wsClient(gateway);
    const pubSub = gateway.services.pubSub;
    const subscribe = pubSub.subscribe.bind(pubSub);
    const subscribed = new Promise<void>((resolve) => {
      pubSub.subscribe = (topic: string) => {
        const iterator = subscribe(topic);
        if (topic === `timeseries:${project}:live`) resolve();
        return iterator;
      };
    });
    try {
      const events = takeResults(client, TimeSeriesPointsDocument, 3, { project, measurement: 'live' });
      await subscribed;
      const entry = catalogEntry(project, 9200, { template: { ...CLIMATE, measurement: 'live' } });
      await step(100).run(stepContext(entry, JSON.stringify(readings(250))));
      const received = (await events).map((e) => e.data!.timeSeriesPoints);
      assert.deepEqual(
        received.map((e) => [e.measurement, e.source.objectId, e.points.length]),
        [
          ['live', 9200, 100],
          ['live', 9200, 100],
          ['live', 9200, 50],
        ],
      );
      assert.deepEqual(received[0]!.points[1], {
        time: new Date(T0 + MINUTE).toISOString(),
        tags: { room: 'a' },
        values: { temp: 21, hum: 50 },
      });
    } finally {
      pubSub.subscribe = subscribe;
      await client.dispose();
    }
  });

  it('refuses injection in measurement, tag and every arguments with BAD_USER_INPUT naming them', async () => {
    const attempts: [Partial<TimeSeriesQueryVariables>, string][] = [
      [{ measurement: 'climate" WHERE 1=1 --' }, 'measurement'],
      [{ tags: [{ name: `room" = 'b' OR "x`, value: 'a' }] }, 'tags.name'],
      [{ aggregate: 'MEAN', every: '1h); DROP MEASUREMENT "climate' }, 'every'],
      [{ aggregate: 'MEAN', groupBy: ['*'] }, 'groupBy'],
    ];
    for (const [variables, argument] of attempts) {
      const { body } = await series(variables);
      assert.equal(errorCode(body), 'BAD_USER_INPUT', JSON.stringify(variables));
      assert.equal(body.errors?.[0]?.extensions?.['argument'], argument);
    }
    const value = await series({ tags: [{ name: 'room', value: `b' OR '1'='1` }] });
    assert.deepEqual(value.body.data?.timeSeries, []);
    assert.equal(await bucket.pointCount('climate'), 250, 'nothing dropped');
    assert.equal(errorCode((await series({ project: 'no-such-project' })).body), 'NOT_FOUND');
  });

  it('caps a query at 10,000 points and tells the caller to aggregate with every', async () => {
    const entry = catalogEntry(project, 9300, null);
    const points = Array.from({ length: 10_001 }, (_, i) => ({
      measurement: 'dense',
      time: BigInt(T0 + i * 1000) * 1_000_000n,
      tags: {},
      fields: { v: i },
    }));
    await gateway.services.timeseries!.write(
      { project, objectId: entry.objectId, runId: 'run-dense' },
      points,
    );
    const to = (n: number) => new Date(T0 + n * 1000).toISOString();
    const tooMany = await series({ measurement: 'dense', to: to(10_001) });
    assert.equal(errorCode(tooMany.body), 'BAD_USER_INPUT');
    assert.match(tooMany.body.errors![0]!.message, /more than 10000 points: aggregate them with every/);
    const all = await series({ measurement: 'dense', to: to(10_000) });
    assert.equal(all.body.data?.timeSeries[0]?.points.length, 10_000, 'one series over two answer chunks');
    const perHour = await series({ measurement: 'dense', to: to(10_001), every: '1h', aggregate: 'COUNT' });
    assert.deepEqual(
      perHour.body.data?.timeSeries[0]?.points.map((p) => (p.values as { v: number }).v),
      [3600, 3600, 2801],
    );
  });

  it('runs as the built-in timeseries pipeline of an uploaded JSON file', async () => {
    const automatic = await createProject(gateway, { pipelineOnUpload: true });
    const { body } = await uploadFile(
      gateway,
      { project: automatic, metadata: { otherData: { template: CLIMATE } } },
      { name: 'auto.json', type: 'application/json', content: Buffer.from(JSON.stringify(readings(10))) },
    );
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    const objectId = body.data!.uploadFile.object.objectId;
    const deadline = Date.now() + 30_000;
    let status = 'QUEUED';
    while (!['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(status)) {
      assert.ok(Date.now() < deadline, `run still ${status}`);
      await new Promise((r) => setTimeout(r, 50));
      const [run] = await gateway.services.catalog.runsOfEntries(automatic, [objectId]);
      status = run?.status ?? 'QUEUED';
    }
    assert.equal(status, 'SUCCEEDED');
    const read = await series({ project: automatic });
    assert.deepEqual(
      read.body.data?.timeSeries.map((s) => [s.source?.objectId, s.source?.run?.status, s.points.length]),
      [
        [objectId, 'SUCCEEDED', 5],
        [objectId, 'SUCCEEDED', 5],
      ],
    );
  });
});

describe('time series without InfluxDB', () => {
  it('answers SOURCE_NOT_CONFIGURED', async () => {
    const gateway = await startTestGateway();
    try {
      const project = await createProject(gateway);
      const { body } = await graphql(gateway, TimeSeriesDocument, {
        project,
        measurement: 'climate',
        from: new Date(T0).toISOString(),
        to: new Date(T0 + MINUTE).toISOString(),
      });
      assert.equal(errorCode(body), 'SOURCE_NOT_CONFIGURED');
      assert.equal(body.errors?.[0]?.extensions?.['source'], 'timeseries');
    } finally {
      await gateway.close();
    }
  });
});
