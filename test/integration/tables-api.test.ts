import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type cassandra from 'cassandra-driver';
import { type CassandraConnection } from '../../src/datasources/cassandra/cassandra.connection.js';
import { type TableStore } from '../../src/datasources/cassandra/table.store.js';
import { CsvToCassandraStep } from '../../src/pipelines/steps/csv-to-cassandra.js';
import {
  DerivedTablesDocument,
  TableRowsDocument,
  type TableRowsQueryVariables,
} from '../generated/graphql.js';
import { graphql, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createProject, errorCode } from '../helpers/lake.js';
import { stackUrl } from '../helpers/stack.js';
import { stepContext, storedEntry } from '../helpers/step-context.js';

/** Counts the requests the driver sends (PREPARE excepted: the driver prepares a statement once per process). */
class RequestCounter implements cassandra.tracker.RequestTracker {
  readonly queries: string[] = [];
  onSuccess(_host: unknown, query: string | { query: string }[]): void {
    this.queries.push(typeof query === 'string' ? query : 'BATCH');
  }
  onError(_host: unknown, query: string | { query: string }[]): void {
    this.queries.push(typeof query === 'string' ? query : 'BATCH');
  }
  shutdown(): void {}
}

describe('tableRows and DerivedData.tables', () => {
  let gateway: TestGateway;
  let store: TableStore;
  let client: cassandra.Client;
  let project: string;
  const rows = (variables: Omit<TableRowsQueryVariables, 'project'>) =>
    graphql(gateway, TableRowsDocument, { project, ...variables });

  before(async () => {
    gateway = await startTestGateway({ CASSANDRA_URL: stackUrl('CASSANDRA_URL') });
    store = gateway.services.tables!;
    client = (gateway.services.sources.tables as CassandraConnection).client;
    project = await createProject(gateway);
    const csv =
      'n,word\n' + ['one', 'two', 'three', 'four', 'five'].map((w, i) => `${i + 1},${w}\n`).join('');
    await new CsvToCassandraStep(store).run(
      stepContext(storedEntry(project, 1, 'pages.csv'), csv, { runId: 'run-1' }),
    );
    const composite = {
      table: {
        name: 'composite',
        columns: { station: 'text', day: 'date', v: 'double' },
        partitionKey: ['station', 'day'],
      },
    };
    await new CsvToCassandraStep(store).run(
      stepContext(storedEntry(project, 2, 'c.csv', composite), 'station,day,v\ns1,2024-05-01,1.5\n', {
        runId: 'run-2',
      }),
    );
  });
  after(async () => {
    try {
      await client.execute(`DROP KEYSPACE IF EXISTS lg_${project.replaceAll('-', '_')}`, [], {
        readTimeout: 60_000,
      });
    } finally {
      await gateway.close();
    }
  });

  it('pages through a partition with the cursor', async () => {
    const words: unknown[] = [];
    const pages: boolean[] = [];
    let after: string | null = null;
    do {
      const { body } = await rows({ table: 'pages', partitionKey: { object_id: 1 }, first: 2, after });
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      const page = body.data!.tableRows;
      words.push(...page.rows.map((r) => (r as Record<string, unknown>)['word']));
      pages.push(page.pageInfo.hasNextPage);
      after = page.pageInfo.endCursor;
      assert.ok(after === null || /^[A-Za-z0-9_-]+$/.test(after), 'the cursor is base64url');
    } while (after);
    assert.deepEqual(words, ['one', 'two', 'three', 'four', 'five']);
    assert.deepEqual(pages, [true, true, false]);
  });

  it('refuses cursors it did not give out and pages out of range', async () => {
    for (const after of ['Z2FyYmFnZSEh', 'not a cursor']) {
      const { body } = await rows({ table: 'pages', partitionKey: { object_id: 1 }, after });
      assert.equal(errorCode(body), 'BAD_USER_INPUT', after);
      assert.equal(body.errors?.[0]?.extensions?.['argument'], 'after');
    }
    for (const first of [0, 1001]) {
      const { body } = await rows({ table: 'pages', partitionKey: { object_id: 1 }, first });
      assert.equal(errorCode(body), 'BAD_USER_INPUT');
      assert.match(body.errors![0]!.message, /first must be 1 to 1000/);
    }
  });

  it('refuses a query without the whole partition key', async () => {
    const cases: [string, unknown, RegExp][] = [
      [
        'composite',
        { station: 's1' },
        /^table composite needs the partition key \(station, day\); a query without it would scan the whole table$/,
      ],
      ['pages', {}, /^table pages needs the partition key \(object_id\)/],
      [
        'pages',
        { object_id: 1, row_number: 1 },
        /row_number, which is not in the partition key \(object_id\)/,
      ],
      ['pages', [1], /partitionKey must be an object/],
      ['pages', { object_id: '1 OR 1=1' }, /partitionKey.object_id: "1 OR 1=1" is not a valid int/],
      ['composite', { station: 's1', day: 20240501 }, /partitionKey.day/],
    ];
    for (const [table, partitionKey, message] of cases) {
      const { body } = await rows({ table, partitionKey });
      assert.equal(errorCode(body), 'BAD_USER_INPUT', JSON.stringify(partitionKey));
      assert.match(body.errors![0]!.message, message);
    }
    const { body } = await rows({ table: 'composite', partitionKey: { station: 's1', day: '2024-05-01' } });
    assert.deepEqual(body.data?.tableRows.rows, [
      { station: 's1', day: '2024-05-01', object_id: 2, run_id: 'run-2', v: 1.5 },
    ]);
  });

  it('refuses injection strings in project, table and column names', async () => {
    const cases: [Omit<TableRowsQueryVariables, 'partitionKey'>, unknown, string][] = [
      [{ project, table: 'pages"; DROP KEYSPACE system; --' }, { object_id: 1 }, 'table'],
      [{ project, table: 'Pages' }, { object_id: 1 }, 'table'],
      [{ project: "x'; DROP KEYSPACE system; --", table: 'pages' }, { object_id: 1 }, 'project'],
      [{ project, table: 'pages' }, { 'object_id = 1 OR true; --': 1 }, 'partitionKey'],
      [{ project, table: 'pages' }, { object_id: 1, '"x" = 1; --': 2 }, 'partitionKey'],
    ];
    for (const [variables, partitionKey, argument] of cases) {
      const { body } = await graphql(gateway, TableRowsDocument, { ...variables, partitionKey });
      assert.equal(errorCode(body), 'BAD_USER_INPUT', JSON.stringify(variables));
      assert.equal(body.errors?.[0]?.extensions?.['argument'], argument);
    }
    const { body } = await rows({ table: 'no_such_table', partitionKey: { object_id: 1 } });
    assert.equal(errorCode(body), 'NOT_FOUND');
  });

  it('answers derived { tables } for a page of 100 objects with one Cassandra query', async () => {
    const { catalog } = gateway.services;
    for (let id = 1; id <= 100; id++) {
      await catalog.insertEntry(storedEntry(project, id, `f${id}.csv`));
      if (id > 2)
        await store.recordDerived(project, {
          objectId: id,
          table: 'alpha',
          runId: `run-${id}`,
          rowCount: id,
        });
      if (id % 2 === 0)
        await store.recordDerived(project, { objectId: id, table: 'beta', runId: `b-${id}`, rowCount: 7 });
    }
    const counter = new RequestCounter();
    const options = (
      client as unknown as { options: { requestTracker: cassandra.tracker.RequestTracker | null } }
    ).options;
    options.requestTracker = counter;
    let body;
    try {
      ({ body } = await graphql(gateway, DerivedTablesDocument, { project, first: 100 }));
    } finally {
      options.requestTracker = null;
    }
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.equal(counter.queries.length, 1, counter.queries.join('\n'));
    assert.match(counter.queries[0]!, /FROM "lg_[a-z0-9_]+"\.derived_tables WHERE object_id IN \?$/);

    const byId = new Map(body.data!.objects.nodes.map((n) => [n.objectId, n.derived.tables]));
    assert.equal(byId.size, 100);
    assert.deepEqual(byId.get(1), [
      { name: 'pages', rowCount: 5, source: { project, objectId: 1, runId: 'run-1' } },
    ]);
    assert.deepEqual(byId.get(2), [
      { name: 'beta', rowCount: 7, source: { project, objectId: 2, runId: 'b-2' } },
      { name: 'composite', rowCount: 1, source: { project, objectId: 2, runId: 'run-2' } },
    ]);
    assert.deepEqual(
      byId.get(99)?.map((t) => [t.name, t.rowCount]),
      [['alpha', 99]],
    );
    assert.deepEqual(
      byId.get(100)?.map((t) => [t.name, t.rowCount]),
      [
        ['alpha', 100],
        ['beta', 7],
      ],
    );
  });

  it('answers no tables for a project that never had any, without making its keyspace', async () => {
    const other = await createProject(gateway);
    await gateway.services.catalog.insertEntry(storedEntry(other, 1, 'a.csv'));
    const { body } = await graphql(gateway, DerivedTablesDocument, { project: other, first: 10 });
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.deepEqual(body.data?.objects.nodes, [{ objectId: 1, derived: { tables: [] } }]);
    const keyspaces = await client.execute(
      'SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?',
      [`lg_${other.replaceAll('-', '_')}`],
    );
    assert.equal(keyspaces.rowLength, 0);
  });

  it('says the store is not configured on a gateway without CASSANDRA_URL', async () => {
    const bare = await startTestGateway();
    try {
      const { body } = await graphql(bare, TableRowsDocument, {
        project,
        table: 'pages',
        partitionKey: { object_id: 1 },
      });
      assert.equal(errorCode(body), 'SOURCE_NOT_CONFIGURED');
    } finally {
      await bare.close();
    }
  });
});
