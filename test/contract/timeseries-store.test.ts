import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type SeriesPoint,
  type SeriesQuery,
  InfluxTimeSeriesStore,
} from '../../src/datasources/influx/timeseries.store.js';
import { BadInputError, LakegateError } from '../../src/errors/errors.js';
import { writePointsDirect } from '../../bench/influx-direct.js';
import { countQueries, TestBucket } from '../helpers/influx.js';
import { uniqueName } from '../helpers/stack.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const MINUTE = 60_000;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;

/** One point a minute from T0: temp = i + offset, humidity = 100 - i, rooms a and b taking turns. */
function readings(count: number, offset = 0, room?: string): SeriesPoint[] {
  return Array.from({ length: count }, (_, i) => ({
    measurement: 'climate',
    time: ns(T0 + i * MINUTE),
    tags: { room: room ?? (i % 2 ? 'a' : 'b') },
    fields: { temp: i + offset, humidity: 100 - i },
  }));
}

describe('TimeSeriesStore on InfluxDB', () => {
  const bucket = new TestBucket();
  const project = uniqueName('p');
  let store: InfluxTimeSeriesStore;
  const query = (q: Partial<SeriesQuery> = {}): SeriesQuery => ({
    project,
    measurement: 'climate',
    from: new Date(T0 - 3600_000),
    to: new Date(T0 + 86_400_000),
    tags: [],
    every: null,
    aggregate: null,
    groupBy: null,
    maxPoints: 10_000,
    ...q,
  });

  before(async () => {
    await bucket.create();
    store = bucket.store(7);
    await store.write({ project, objectId: 1, runId: 'run-1' }, readings(60));
    await store.write({ project, objectId: 2, runId: 'run-2' }, readings(30, 1000, 'a'));
    await store.write({ project: `${project}-other`, objectId: 1, runId: 'run-x' }, readings(10, 5000));
  });
  after(() => bucket.drop());

  it('writes every point in batches with its lineage tags, as the driver reads them back', async () => {
    const rows = await bucket.rows('climate');
    const mine = rows.filter((r) => r['project'] === project && r['object_id'] === '1');
    assert.equal(mine.length, 120, '60 points of two fields each, sent in batches of 7');
    assert.ok(mine.every((r) => r['run_id'] === 'run-1'));
    const first = mine.filter((r) => r['_time'] === '2024-01-01T00:00:00Z');
    assert.deepEqual(
      first.map((r) => [r['_field'], r['_value'], r['room']]),
      [
        ['humidity', 100, 'b'],
        ['temp', 0, 'b'],
      ],
    );
  });

  it('writes with several requests in flight, escaping what line protocol needs escaped', async () => {
    const parallel = new InfluxTimeSeriesStore(bucket.connection, {
      bucket: bucket.name,
      batchSize: 4,
      writeConcurrency: 3,
      readTimeoutMs: 10_000,
      writeTimeoutMs: 30_000,
    });
    assert.equal(parallel.batchSize, 12, 'a write call is three requests of four points');
    const odd = 'a b,c=d\\e "f"';
    const points: SeriesPoint[] = Array.from({ length: 30 }, (_, i) => ({
      measurement: 'odd names, here',
      time: ns(T0 + i * MINUTE),
      tags: { 'room key': i % 2 ? odd : 'plain', project: 'not-the-lineage', empty: '' },
      fields: { 'field=1': i + 0.5, z: -i },
    }));
    assert.equal(await parallel.write({ project, objectId: 7, runId: 'run 7, odd' }, points), 30);
    const rows = await bucket.rows('odd names, here');
    assert.equal(rows.length, 60);
    assert.ok(
      rows.every((r) => r['project'] === project && r['object_id'] === '7' && r['run_id'] === 'run 7, odd'),
    );
    assert.ok(
      rows.every((r) => !('empty' in r)),
      'an empty tag value is left out',
    );
    const second = rows.filter((r) => r['_time'] === '2024-01-01T00:01:00Z');
    assert.deepEqual(
      second.map((r) => [r['_field'], r['_value'], r['room key']]),
      [
        ['field=1', 1.5, odd],
        ['z', -1, odd],
      ],
    );
  });

  it('replaces the points of a run written again: nothing is duplicated', async () => {
    const written = await store.write({ project, objectId: 1, runId: 'run-1' }, readings(60));
    assert.equal(written, 60);
    const rows = await bucket.rows('climate');
    assert.equal(rows.filter((r) => r['project'] === project && r['object_id'] === '1').length, 120);
  });

  it('reads raw points as one series per object run and tag set, with the lineage as source', async () => {
    const { series, complete } = await store.query(query());
    assert.equal(complete, true);
    const shape = series.map((s) => [s.source?.objectId, s.source?.runId, s.tags, s.points.length]);
    assert.deepEqual(shape, [
      [1, 'run-1', { room: 'a' }, 30],
      [1, 'run-1', { room: 'b' }, 30],
      [2, 'run-2', { room: 'a' }, 30],
    ]);
    const b = series[1]!;
    assert.deepEqual(b.columns, ['humidity', 'temp']);
    assert.deepEqual(b.points[1], { time: new Date(T0 + 2 * MINUTE), values: { humidity: 98, temp: 2 } });
    assert.equal(b.source?.project, project);
  });

  it('aggregates per window with every, and across objects and runs with groupBy', async () => {
    const { series } = await store.query(
      query({ every: '10m', aggregate: 'MEAN', tags: [{ name: 'object_id', value: '1' }] }),
    );
    const roomB = series.find((s) => s.tags['room'] === 'b')!;
    assert.deepEqual(roomB.columns, ['humidity', 'temp']);
    assert.equal(roomB.points.length, 6);
    // minutes 0, 2, 4, 6, 8 of the first window
    assert.deepEqual(roomB.points[0], { time: new Date(T0), values: { humidity: 96, temp: 4 } });
    assert.equal(roomB.source?.runId, 'run-1');

    const merged = await store.query(query({ aggregate: 'COUNT', groupBy: ['room'] }));
    assert.deepEqual(
      merged.series.map((s) => [s.tags, s.source, s.points[0]!.values['temp']]),
      [
        [{ room: 'a' }, null, 60],
        [{ room: 'b' }, null, 30],
      ],
    );
  });

  it('binds values: a tag value or project that looks like InfluxQL matches nothing', async () => {
    const tricky = await store.query(query({ tags: [{ name: 'room', value: `a' OR 'x'='x` }] }));
    assert.deepEqual(tricky.series, []);
    const otherProject = await store.query(query({ project: `${project}' OR "project" =~ /.*/ OR 'x'='` }));
    assert.deepEqual(otherProject.series, []);
  });

  it('refuses identifiers and intervals outside their patterns before sending anything', async () => {
    const refused: [Partial<SeriesQuery>, string][] = [
      [{ measurement: 'climate" WHERE 1=1 --' }, 'measurement'],
      [{ measurement: 'climate; DROP MEASUREMENT climate' }, 'measurement'],
      [{ tags: [{ name: `room" = 'a' OR "x`, value: 'a' }] }, 'tags.name'],
      [{ aggregate: 'MEAN', groupBy: ['room", *'] }, 'groupBy'],
      [{ aggregate: 'MEAN', every: '1m) fill(0); SELECT * FROM "x"' }, 'every'],
      [{ aggregate: 'MEAN', every: '0s' }, 'every'],
      [{ every: '1m' }, 'aggregate'],
      [{ groupBy: ['room'] }, 'groupBy'],
      [{ from: new Date(T0), to: new Date(T0) }, 'to'],
    ];
    const { queries } = await countQueries(bucket.url, async () => {
      for (const [q, argument] of refused) {
        await assert.rejects(store.query(query(q)), (error: unknown) => {
          assert.ok(error instanceof BadInputError, String(error));
          assert.equal(error.extensions['argument'], argument, JSON.stringify(q));
          return true;
        });
      }
    });
    assert.equal(queries, 0);
  });

  it('stops reading past maxPoints and reports the answer incomplete', async () => {
    assert.equal((await store.query(query({ maxPoints: 89 }))).complete, false);
    const all = await store.query(query({ maxPoints: 90 }));
    assert.equal(all.complete, true);
    assert.equal(
      all.series.reduce((n, s) => n + s.points.length, 0),
      90,
    );
  });

  it('summarises the series of many objects in one request', async () => {
    const { result, queries } = await countQueries(bucket.url, () => store.summaries(project, [2, 3, 1]));
    assert.equal(queries, 1);
    assert.deepEqual(result, [
      [
        {
          measurement: 'climate',
          pointCount: 30,
          from: new Date(T0),
          to: new Date(T0 + 29 * MINUTE),
          source: { project, objectId: 2, runId: 'run-2' },
        },
      ],
      [],
      [
        {
          measurement: 'climate',
          pointCount: 60,
          from: new Date(T0),
          to: new Date(T0 + 59 * MINUTE),
          source: { project, objectId: 1, runId: 'run-1' },
        },
      ],
    ]);
  });

  it('reports points InfluxDB refuses as BAD_USER_INPUT and a missing bucket as SOURCE_UNAVAILABLE', async () => {
    const res = await fetch(
      `${bucket.url}/api/v2/write?org=${bucket.org}&bucket=${bucket.name}&precision=ms`,
      {
        method: 'POST',
        headers: { authorization: `Token ${bucket.token}` },
        body: `typed,project=${project} level="high" ${T0}`,
      },
    );
    assert.equal(res.status, 204);
    const conflicting: SeriesPoint = { measurement: 'typed', time: ns(T0), tags: {}, fields: { level: 1 } };
    await assert.rejects(
      store.write({ project, objectId: 9, runId: 'run-9' }, [conflicting]),
      (e: unknown) => {
        assert.ok(e instanceof BadInputError, String(e));
        assert.match(e.message, /InfluxDB refused the points/);
        return true;
      },
    );

    const missing = new TestBucket();
    const nowhere = missing.store();
    for (const attempt of [
      () => nowhere.write({ project, objectId: 1, runId: 'r' }, readings(3)),
      () => nowhere.query(query()),
    ]) {
      await assert.rejects(attempt(), (e: unknown) => {
        assert.ok(e instanceof LakegateError);
        assert.equal(e.code, 'SOURCE_UNAVAILABLE');
        assert.equal(e.extensions['source'], 'timeseries');
        return true;
      });
    }
  });

  it('has a direct-write baseline that writes every point with the driver, batch by batch', async () => {
    await writePointsDirect(bucket.connection.client, bucket.org, bucket.name, 'direct', 2500, 1000);
    const rows = await bucket.rows('direct');
    assert.equal(rows.length, 2500);
    assert.deepEqual(rows.at(-1)?.['_value'], 2499);
  });
});
