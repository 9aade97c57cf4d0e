import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import cassandra from 'cassandra-driver';
import { type CassandraConnection } from '../../src/datasources/cassandra/cassandra.connection.js';
import { type TableStore } from '../../src/datasources/cassandra/table.store.js';
import { LakegateError } from '../../src/errors/errors.js';
import { builtInSteps } from '../../src/pipelines/registry.js';
import { MemoryBudget } from '../../src/pipelines/memory-budget.js';
import { CsvToCassandraStep } from '../../src/pipelines/steps/csv-to-cassandra.js';
import { TableRowsDocument } from '../generated/graphql.js';
import { graphql, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';
import { stepContext, storedEntry } from '../helpers/step-context.js';

const READINGS = {
  name: 'readings',
  columns: {
    station: 'text',
    day: 'date',
    at: 'timestamp',
    temp: 'double',
    samples: 'int',
    total: 'bigint',
    ok: 'boolean',
    id: 'uuid',
    price: 'decimal',
  },
  partitionKey: ['station', 'day'],
  clusteringKey: ['at'],
};
const READINGS_HEADER = 'Station,Day,At,Temp,Samples,Total,OK,Id,Price,Comment';

function readingsCsv(rows: number, bad?: { row: number; temp: string }): string {
  const lines = [READINGS_HEADER];
  for (let i = 1; i <= rows; i++) {
    const temp = bad?.row === i ? bad.temp : (20 + i / 10).toFixed(1);
    const at = new Date(Date.UTC(2024, 4, 1, 0, 0, i)).toISOString();
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    lines.push(`s1,2024-05-01,${at},${temp},${i},900719925474099${i % 10},${i % 2 === 0},${id},1.10,c${i}`);
  }
  return lines.join('\n') + '\n';
}

async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<LakegateError> {
  const error = await promise.then(
    () => assert.fail('expected the step to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof LakegateError, `a LakegateError, got ${String(error)}`);
  assert.equal(error.code, code);
  assert.match(error.message, message);
  return error;
}

describe('csv-to-cassandra', () => {
  let gateway: TestGateway;
  let store: TableStore;
  let client: cassandra.Client;
  let project: string;
  let keyspace: string;
  const run = (entry: ReturnType<typeof storedEntry>, csv: string, runId = `run-${entry.objectId}`) => {
    const context = stepContext(entry, csv, { runId });
    return { context, result: new CsvToCassandraStep(store, 100).run(context) };
  };
  const count = async (table: string, objectId: number) =>
    (
      await client.execute(
        `SELECT COUNT(*) AS n FROM ${keyspace}.${table} WHERE object_id = ? ALLOW FILTERING`,
        [objectId],
        { prepare: true },
      )
    )
      .first()
      .get('n')
      .toNumber();
  const tablesInKeyspace = async () =>
    (
      await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [keyspace])
    ).rows.map((r) => r.get('table_name') as string);

  before(async () => {
    gateway = await startTestGateway({ CASSANDRA_URL: stackUrl('CASSANDRA_URL') });
    store = gateway.services.tables!;
    client = (gateway.services.sources.tables as CassandraConnection).client;
    project = uniqueName('csv');
    keyspace = `lg_${project.replaceAll('-', '_')}`;
  });
  after(async () => {
    try {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`, [], { readTimeout: 60_000 });
    } finally {
      await gateway.close();
    }
  });

  it('is a built-in step when the tables store is configured', () => {
    assert.ok(builtInSteps({ tables: store }).get('csv-to-cassandra') instanceof CsvToCassandraStep);
    assert.equal(builtInSteps({ tables: null }).has('csv-to-cassandra'), false);
  });

  it('writes a CSV with a header as text rows keyed by object and row number', async () => {
    const entry = storedEntry(project, 1, 'Sensor Readings.csv');
    const csv = 'Sensor,Temp (C),Note\nA,20.5,"hello, world"\nB,21,\n';
    const { context, result } = run(entry, csv);
    assert.deepEqual(await result, { count: 2, message: '2 rows in table sensor_readings' });
    assert.equal(context.opens, 1, 'read once: the checked rows are kept for writing');

    const replication = (
      await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [
        keyspace,
      ])
    ).first();
    assert.deepEqual(replication.get('replication'), {
      class: 'org.apache.cassandra.locator.SimpleStrategy',
      replication_factor: '1',
    });
    const columns = await client.execute(
      'SELECT column_name, kind, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
      [keyspace, 'sensor_readings'],
    );
    assert.deepEqual(
      Object.fromEntries(
        columns.rows.map((r) => [r.get('column_name'), `${r.get('kind')} ${r.get('type')}`]),
      ),
      {
        object_id: 'partition_key int',
        row_number: 'clustering int',
        run_id: 'regular text',
        sensor: 'regular text',
        temp_c: 'regular text',
        note: 'regular text',
      },
    );
    const rows = await client.execute(`SELECT * FROM ${keyspace}.sensor_readings WHERE object_id = ?`, [1], {
      prepare: true,
    });
    assert.deepEqual(
      rows.rows.map((r) => [
        r.get('row_number'),
        r.get('sensor'),
        r.get('temp_c'),
        r.get('note'),
        r.get('run_id'),
      ]),
      [
        [1, 'A', '20.5', 'hello, world', 'run-1'],
        [2, 'B', '21', '', 'run-1'],
      ],
    );

    const { body } = await graphql(gateway, TableRowsDocument, {
      project,
      table: 'sensor_readings',
      partitionKey: { object_id: 1 },
    });
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.deepEqual(body.data?.tableRows.rows, [
      { object_id: 1, row_number: 1, note: 'hello, world', run_id: 'run-1', sensor: 'A', temp_c: '20.5' },
      { object_id: 1, row_number: 2, note: '', run_id: 'run-1', sensor: 'B', temp_c: '21' },
    ]);
    assert.deepEqual(
      body.data?.tableRows.columns.map((c) => `${c.name} ${c.type}`),
      ['object_id int', 'row_number int', 'note text', 'run_id text', 'sensor text', 'temp_c text'],
    );
  });

  it('writes nothing twice when the same object runs again', async () => {
    const entry = storedEntry(project, 1, 'Sensor Readings.csv');
    const csv = 'Sensor,Temp (C),Note\nA,20.5,"hello, world"\nB,21,\n';
    assert.equal((await run(entry, csv).result).count, 2);
    assert.equal((await run(entry, csv).result).count, 2);
    assert.equal(await count('sensor_readings', 1), 2);
    const lineage = await client.execute(
      `SELECT * FROM ${keyspace}.derived_tables WHERE object_id = ?`,
      [1],
      {
        prepare: true,
      },
    );
    assert.deepEqual(
      lineage.rows.map((r) => [r.get('table_name'), r.get('run_id'), r.get('row_count').toNumber()]),
      [['sensor_readings', 'run-1', 2]],
    );
  });

  it('converts the values of a declared schema to their CQL types', async () => {
    const entry = storedEntry(project, 2, 'anything.csv', { table: READINGS });
    const { result } = run(entry, readingsCsv(3));
    assert.equal((await result).count, 3);

    const rs = await client.execute(
      `SELECT * FROM ${keyspace}.readings WHERE station = ? AND day = ?`,
      ['s1', cassandra.types.LocalDate.fromString('2024-05-01')],
      { prepare: true },
    );
    assert.equal(rs.rowLength, 3);
    const first = rs.first();
    assert.equal(first.get('object_id'), 2);
    assert.equal(first.get('run_id'), 'run-2');
    assert.deepEqual(first.get('at'), new Date('2024-05-01T00:00:01Z'));
    assert.equal(first.get('temp'), 20.1);
    assert.equal(first.get('samples'), 1);
    assert.ok(first.get('total') instanceof cassandra.types.Long);
    assert.equal(first.get('total').toString(), '9007199254740991');
    assert.equal(first.get('ok'), false);
    assert.equal(first.get('id').toString(), '00000000-0000-4000-8000-000000000001');
    assert.equal(first.get('price').toString(), '1.10');
    assert.equal(
      first.keys().includes('comment'),
      false,
      'a header column the schema does not declare is left out',
    );

    const { body } = await graphql(gateway, TableRowsDocument, {
      project,
      table: 'readings',
      partitionKey: { station: 's1', day: '2024-05-01' },
      first: 1,
    });
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.deepEqual(body.data?.tableRows.rows, [
      {
        station: 's1',
        day: '2024-05-01',
        at: '2024-05-01T00:00:01.000Z',
        id: '00000000-0000-4000-8000-000000000001',
        object_id: 2,
        ok: false,
        price: '1.10',
        run_id: 'run-2',
        samples: 1,
        temp: 20.1,
        total: '9007199254740991',
      },
    ]);
    assert.deepEqual(
      body.data?.tableRows.columns.map((c) => c.type),
      ['text', 'date', 'timestamp', 'uuid', 'int', 'boolean', 'decimal', 'text', 'int', 'double', 'bigint'],
    );
  });

  it('fails on a bad value naming row and column, and writes nothing of a large file', async () => {
    // 1,201 rows in batches of 100: the bad last row is found before the first batch is written
    const entry = storedEntry(project, 3, 'anything.csv', { table: READINGS });
    const { context, result } = run(entry, readingsCsv(1201, { row: 1201, temp: 'warm' }));
    const error = await rejectsWith(
      result,
      'BAD_USER_INPUT',
      /^row 1201, column temp: "warm" is not a valid double$/,
    );
    assert.deepEqual(error.extensions, { row: 1201, column: 'temp', code: 'BAD_USER_INPUT' });
    assert.equal(context.opens, 1);
    assert.ok(context.messages.every((m) => m.startsWith('checked')));
    assert.equal(await count('readings', 3), 0);

    const fresh = storedEntry(project, 4, 'anything.csv', { table: { ...READINGS, name: 'never_made' } });
    await rejectsWith(run(fresh, readingsCsv(3, { row: 2, temp: 'NaN' })).result, 'BAD_USER_INPUT', /row 2/);
    assert.equal((await tablesInKeyspace()).includes('never_made'), false, 'not even the table is made');
    const lineage = await client.execute(
      `SELECT * FROM ${keyspace}.derived_tables WHERE object_id IN ?`,
      [[3, 4]],
      {
        prepare: true,
      },
    );
    assert.equal(lineage.rowLength, 0);
  });

  it('streams an object beyond the memory budget twice: checks every row, then writes', async () => {
    // objects over 1 KiB are not held: each pass reads the object again
    const streamed = (entry: ReturnType<typeof storedEntry>, csv: string) => {
      const context = stepContext(entry, csv, { runId: `run-${entry.objectId}` });
      return { context, result: new CsvToCassandraStep(store, 100, new MemoryBudget(1024)).run(context) };
    };
    const bad = streamed(
      storedEntry(project, 50, 'anything.csv', { table: READINGS }),
      readingsCsv(1201, { row: 1201, temp: 'warm' }),
    );
    await rejectsWith(bad.result, 'BAD_USER_INPUT', /^row 1201, column temp: "warm" is not a valid double$/);
    assert.equal(bad.context.opens, 1);
    assert.equal(await count('readings', 50), 0);

    const good = streamed(storedEntry(project, 51, 'anything.csv', { table: READINGS }), readingsCsv(1201));
    assert.deepEqual(await good.result, { count: 1201, message: '1201 rows in table readings' });
    assert.equal(good.context.opens, 2, 'a checking pass, then a writing pass');
    assert.equal(await count('readings', 51), 1201);
    assert.deepEqual(good.context.messages.slice(-2), [
      'wrote 1200 of 1201 rows to readings',
      'wrote 1201 of 1201 rows to readings',
    ]);
  });

  it('writes rows of many partitions, quoted fields and CRLF lines as csv-parse reads them', async () => {
    const many = {
      name: 'many_parts',
      columns: { station: 'text', at: 'timestamp', note: 'text' },
      partitionKey: ['station'],
      clusteringKey: ['at'],
    };
    const lines = ['station,at,note'];
    for (let i = 0; i < 700; i++) {
      const at = new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString();
      lines.push(`s${i % 7},${at},"line ${i}, ""quoted"""`);
    }
    const { result } = run(storedEntry(project, 60, 'many.csv', { table: many }), lines.join('\r\n'));
    assert.equal((await result).count, 700);
    for (let station = 0; station < 7; station++) {
      const rs = await client.execute(
        `SELECT note FROM ${keyspace}.many_parts WHERE station = ?`,
        [`s${station}`],
        { prepare: true, fetchSize: 1000 },
      );
      assert.equal(rs.rowLength, 100);
      assert.equal(rs.first().get('note'), `line ${station}, "quoted"`);
    }
  });

  it('refuses malformed CSV and headers that make no column names before writing', async () => {
    const cases: [string, string, RegExp][] = [
      ['a,b\n1,2\n3\n', 'ragged.csv', /not valid CSV/],
      ['A,a\n1,2\n', 'twice.csv', /header column a is there twice/],
      ['name,row_number\n1,2\n', 'reserved.csv', /reserved/],
      ['ok,"1; DROP TABLE x"\n1,2\n', 'digit.csv', /header column 2 .* does not make a column name/],
      ['', 'empty.csv', /no CSV header line/],
    ];
    const before = await tablesInKeyspace();
    for (const [i, [csv, name, message]] of cases.entries()) {
      await rejectsWith(run(storedEntry(project, 10 + i, name), csv).result, 'BAD_USER_INPUT', message);
    }
    assert.deepEqual(await tablesInKeyspace(), before);
  });

  it('refuses injection strings in table names, column names and types from otherData', async () => {
    const injections: [unknown, string][] = [
      [{ name: 'x; DROP KEYSPACE system' }, 'otherData.table.name'],
      [{ name: 'derived_tables' }, 'otherData.table.name'],
      [{ columns: { 'a text, b': 'text' }, partitionKey: ['a text, b'] }, 'otherData.table.columns'],
      [{ columns: { a: 'text) WITH comment = ' }, partitionKey: ['a'] }, 'otherData.table.columns.a'],
      [{ columns: { a: 'text' }, partitionKey: ['a"); DROP TABLE t; --'] }, 'otherData.table.partitionKey'],
      [{ columns: { object_id: 'text' }, partitionKey: ['object_id'] }, 'otherData.table.columns'],
      [{ columns: { a: 'text' } }, 'otherData.table.partitionKey'],
      [{ name: 'ok', drop: true }, 'otherData.table'],
    ];
    const before = await tablesInKeyspace();
    for (const [table, argument] of injections) {
      const error = await rejectsWith(
        run(storedEntry(project, 20, 'x.csv', { table }), 'a\n1\n').result,
        'BAD_USER_INPUT',
        /./,
      );
      assert.equal(error.extensions['argument'], argument, JSON.stringify(table));
    }
    assert.deepEqual(await tablesInKeyspace(), before);
  });

  it('stops between batches when the run is cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const context = stepContext(storedEntry(project, 30, 'cancelled.csv'), 'a\n1\n', {
      runId: 'run-30',
      signal: controller.signal,
    });
    await assert.rejects(new CsvToCassandraStep(store).run(context), { name: 'AbortError' });
    assert.equal((await tablesInKeyspace()).includes('cancelled'), false);
  });

  it('refuses a declared table whose name is taken by one with other columns', async () => {
    const entry = storedEntry(project, 40, 'x.csv', {
      table: { name: 'sensor_readings', columns: { sensor: 'int' }, partitionKey: ['sensor'] },
    });
    await rejectsWith(
      run(entry, 'sensor\n1\n').result,
      'BAD_USER_INPUT',
      /exists with other columns or keys/,
    );
    assert.equal(await count('sensor_readings', 40), 0);
  });
});
