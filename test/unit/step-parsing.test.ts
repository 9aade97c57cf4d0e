import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { Point } from '@influxdata/influxdb-client';
import { lineProtocol } from '../../src/datasources/influx/line-protocol.js';
import { type SeriesLineage, type SeriesPoint } from '../../src/datasources/influx/timeseries.store.js';
import { MemoryBudget } from '../../src/pipelines/memory-budget.js';
import { csvRecords, heldCsvRecords } from '../../src/pipelines/steps/csv-records.js';
import { heldJsonRecords, jsonRecords } from '../../src/pipelines/steps/json-records.js';
import { toNanoseconds } from '../../src/pipelines/steps/record-time.js';

/** What a promise settles to, an error as its message: the two readers must agree on both. */
async function outcome<T>(fn: () => Promise<T> | T): Promise<T | string> {
  try {
    return await fn();
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

/** The bytes in chunks of 3, so that records, BOMs and characters cross chunk boundaries. */
const chunked = (bytes: Buffer) =>
  Readable.from(
    Array.from({ length: Math.ceil(bytes.length / 3) }, (_, i) => bytes.subarray(i * 3, i * 3 + 3)),
  );

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('CSV records held in memory', () => {
  const inputs = [
    'a,b\n1,2\n3,4\n',
    'a,b\n1,2\n\n\n3,4',
    '\uFEFFa,b\n1,é\n',
    'a,b\r\n1,2\r\n',
    'a,b\n"x, y",2\n"say ""hi""",3\n',
    'a,b\n1,2\n3\n',
    'a,b\n1,2,3\n',
    'a,b\n1,b"c\n',
    'a\n \n',
    ' a , b \n 1 , 2 \n',
    '',
    '\n\n',
    `a,b\n${'x'.repeat(300_000)},1\n`,
    `a,b\n${'x'.repeat(400_000)},1\n`,
    `a,b\n${'x'.repeat(1_100_000)},1\n`,
  ];
  for (const [i, text] of inputs.entries()) {
    it(`reads input ${i} as the streaming parser does`, async () => {
      const bytes = Buffer.from(text);
      const held = await outcome(() => heldCsvRecords(bytes));
      const streamed = await outcome(() => collect(csvRecords(chunked(bytes))));
      assert.deepEqual(held, streamed);
    });
  }
});

describe('JSON records held in memory', () => {
  const inputs = [
    '[{"t":1},{"t":2}]',
    ' \uFEFF[1, "two", {"three": [3]}, null]',
    '\uFEFF[]',
    '[ ]',
    '[1,,2]',
    '[1,]',
    '[1] x',
    '[1',
    '{"t":1}\n\n{"t":2}\r\n{"t":3}',
    '{"t":1}\n{"t": oops}\n',
    '  \n ',
    '[1]\u00a0',
  ];
  for (const [i, text] of inputs.entries()) {
    it(`reads input ${i} as the streaming reader does`, async () => {
      const bytes = Buffer.from(text);
      const held = await outcome(() => heldJsonRecords(bytes));
      const streamed = await outcome(() => collect(jsonRecords(chunked(bytes))));
      assert.deepEqual(held, streamed);
    });
  }
});

describe('record times', () => {
  it('turns integer counts into the nanoseconds their decimal text gives', () => {
    for (const format of ['s', 'ms', 'ns'] as const) {
      for (const n of [
        0, -0, 1, -1, 1_700_000_000, 1_700_000_000_123, -62_135_596_800, 9_223_372_036, 9_223_372_037,
      ]) {
        // the same answer; a message shows the value as given, here a number rather than its text
        const fromText = toNanoseconds(String(n), format);
        const expected =
          typeof fromText === 'string' ? fromText.replace(`("${String(n)}")`, `(${String(n)})`) : fromText;
        assert.deepEqual(toNanoseconds(n, format), expected, `${n} ${format}`);
      }
    }
  });
});

describe('line protocol', () => {
  /** How the store wrote a point with InfluxDB's client before it wrote lines itself. */
  function clientLine(lineage: SeriesLineage, p: SeriesPoint): string | undefined {
    const point = new Point(p.measurement).timestamp(p.time.toString());
    for (const [name, value] of Object.entries(p.tags)) point.tag(name, value);
    point
      .tag('project', lineage.project)
      .tag('object_id', String(lineage.objectId))
      .tag('run_id', lineage.runId);
    for (const [name, value] of Object.entries(p.fields)) point.floatField(name, value);
    return point.toLineProtocol();
  }

  it('writes the lines InfluxDB’s client wrote, byte for byte, so reruns of older runs hit the same series', () => {
    const lineage = { project: 'p-1', objectId: 42, runId: 'run a,b=c' };
    const points: SeriesPoint[] = [
      { measurement: 'm', time: 1n, tags: {}, fields: { v: 1 } },
      {
        measurement: 'two words,here',
        time: -5n,
        tags: { z: 'last', a: 'first' },
        fields: { b: 0.1 + 0.2, a: 1e21 },
      },
      {
        measurement: 'm',
        time: 1700000000000000000n,
        tags: { room: 'a b,c=d\te\nf\rg', empty: '' },
        fields: { 'x y': -0 },
      },
      {
        measurement: 'm',
        time: 2n,
        tags: { project: 'overridden', run_id: 'too' },
        fields: { 'k=v,w': 5e-7 },
      },
    ];
    assert.equal(lineProtocol(lineage, points), points.map((p) => clientLine(lineage, p)).join('\n'));
  });

  it('refuses a point without fields or with a field that is not a finite number', () => {
    const lineage = { project: 'p', objectId: 1, runId: 'r' };
    assert.throws(
      () => lineProtocol(lineage, [{ measurement: 'm', time: 1n, tags: {}, fields: {} }]),
      /no field/,
    );
    assert.throws(
      () => lineProtocol(lineage, [{ measurement: 'm', time: 1n, tags: {}, fields: { v: Infinity } }]),
      /not a finite number/,
    );
  });
});

describe('MemoryBudget', () => {
  const object = (size: number) => chunked(Buffer.alloc(size, 'x'));

  it('holds objects within the budget and gives their bytes back on release', async () => {
    const budget = new MemoryBudget(10, 15);
    const first = await budget.read(object(9), null);
    assert.ok('bytes' in first && first.bytes.length === 9);
    const second = await budget.read(object(9), 9);
    assert.ok('stream' in second, 'the total would pass 15 bytes');
    assert.equal(Buffer.concat(await collect<Buffer>(second.stream)).length, 9, 'streamed whole');
    first.release();
    const third = await budget.read(object(9), null);
    assert.ok('bytes' in third && third.bytes.length === 9);
    third.release();
  });

  it('streams an object larger than one object may be, declared or found while reading', async () => {
    const budget = new MemoryBudget(10, 100);
    const declared = await budget.read(object(11), 11);
    assert.ok('stream' in declared);
    const undeclared = await budget.read(object(50), 1);
    assert.ok('stream' in undeclared);
    assert.equal(Buffer.concat(await collect<Buffer>(undeclared.stream)).length, 50);
    const held = await budget.read(object(10), null);
    assert.ok('bytes' in held, 'what the streamed objects read was given back');
    held.release();
  });
});
