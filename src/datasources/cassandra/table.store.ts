import cassandra from 'cassandra-driver';
import { BadInputError, NotFoundError } from '../../errors/errors.js';
import { guard } from '../guard.js';
import { inParallel } from '../parallel.js';
import { type CassandraConnection, WRITE_PROFILE } from './cassandra.connection.js';
import { identifier, keyspaceFor, LINEAGE_TABLE, q } from './cql-names.js';
import { CellError, checkKeySize, type CqlType, isCqlType, parseJsonValue, toJson } from './cql-types.js';

export interface TableColumn {
  name: string;
  type: string;
}

/** A gold table as a step declares it; the lineage columns `object_id int` and `run_id text` are added. */
export interface TableDefinition {
  name: string;
  columns: { name: string; type: CqlType }[];
  /** May name the lineage columns too, e.g. `['object_id']`. */
  partitionKey: string[];
  clusteringKey: string[];
}

/** One line of the lineage table: `objectId` wrote `rowCount` rows of `table` in run `runId`. */
export interface DerivedTableRecord {
  objectId: number;
  table: string;
  runId: string;
  rowCount: number;
}

export interface RowPage {
  columns: TableColumn[];
  /** Column name to JSON value, in column order; object_id and run_id included. */
  rows: Record<string, unknown>[];
  /** Where the next page starts; null on the last page. */
  cursor: string | null;
}

export interface TableStore {
  /** Creates the project's keyspace and the table when missing; refuses a table that exists with other columns. */
  ensureTable(project: string, table: TableDefinition): Promise<void>;
  /**
   * Upserts rows of `table` (values in `columns` order, lineage added): a row with the primary key of an
   * existing one replaces it, so writing the same rows again changes nothing. Rows of one partition go
   * together in unlogged batches; `concurrency` requests are in flight at once.
   */
  writeRows(
    project: string,
    table: TableDefinition,
    lineage: { objectId: number; runId: string },
    columns: string[],
    rows: unknown[][],
  ): Promise<void>;
  recordDerived(project: string, record: DerivedTableRecord): Promise<void>;
  /** The tables these objects fed, in one query. */
  derivedTables(project: string, objectIds: readonly number[]): Promise<DerivedTableRecord[]>;
  /** One page of one partition; `partitionKey` must name exactly the table's partition key columns. */
  readRows(
    project: string,
    table: string,
    partitionKey: Record<string, unknown>,
    page: { first: number; after: string | null },
  ): Promise<RowPage>;
}

interface TableSchema {
  /** Partition key, clustering key, then the other columns by name (Cassandra's own order). */
  columns: TableColumn[];
  partitionKey: string[];
  clusteringKey: string[];
}

export interface TableStoreOptions {
  replicationFactor: number;
  /** Write requests (a row, or a batch of rows of one partition) in flight at once. */
  concurrency: number;
}

const CURSOR = /^[A-Za-z0-9_-]{1,4096}$/;
const KIND_ORDER: Record<string, number> = { partition_key: 0, clustering: 1 };

export class CassandraTableStore implements TableStore {
  private readonly client: cassandra.Client;
  private readonly keyspaces = new Map<string, Promise<void>>();

  constructor(
    private readonly connection: CassandraConnection,
    private readonly options: TableStoreOptions,
  ) {
    this.client = connection.client;
    if (!Number.isInteger(options.replicationFactor) || options.replicationFactor < 1) {
      throw new RangeError('replicationFactor must be a positive integer');
    }
  }

  async ensureTable(project: string, table: TableDefinition): Promise<void> {
    const keyspace = keyspaceFor(project);
    await this.ensureKeyspace(keyspace);
    const wanted = definitionSchema(table);
    let found = await this.describe(keyspace, table.name, true);
    if (!found) {
      const columns = wanted.columns.map((c) => `${q(c.name)} ${c.type}`).join(', ');
      const partition = wanted.partitionKey.map(q).join(', ');
      const clustering = wanted.clusteringKey.map((c) => `, ${q(c)}`).join('');
      await this.ddl(
        `CREATE TABLE IF NOT EXISTS ${q(keyspace)}.${q(table.name)} (${columns}, PRIMARY KEY ((${partition})${clustering}))`,
      );
      found = await this.describe(keyspace, table.name, true);
    }
    if (!sameSchema(found, wanted)) {
      throw new BadInputError(
        `table ${table.name} exists with other columns or keys: ${describeSchema(found)}; wanted ${describeSchema(wanted)}`,
        { table: table.name },
      );
    }
  }

  async writeRows(
    project: string,
    table: TableDefinition,
    lineage: { objectId: number; runId: string },
    columns: string[],
    rows: unknown[][],
  ): Promise<void> {
    if (rows.length === 0) return;
    const keyspace = keyspaceFor(project);
    const names = ['object_id', 'run_id', ...columns].map((c) => q(identifier(c, 'column')));
    const query = `INSERT INTO ${q(keyspace)}.${q(identifier(table.name, 'table'))} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`;
    const keyAt = table.partitionKey.map((k) => columns.indexOf(k)).filter((i) => i >= 0);
    const requests = writeRequests(rows, keyAt).map((group) =>
      group.map((values) => [lineage.objectId, lineage.runId, ...values]),
    );
    const options = { prepare: true, executionProfile: WRITE_PROFILE };
    await guard(this.connection.name, null, () =>
      inParallel(requests, this.options.concurrency, (params) =>
        params.length === 1
          ? this.client.execute(query, params[0], options)
          : this.client.batch(
              params.map((p) => ({ query, params: p })),
              { ...options, logged: false },
            ),
      ),
    );
  }

  async recordDerived(project: string, record: DerivedTableRecord): Promise<void> {
    const keyspace = keyspaceFor(project);
    await this.ensureKeyspace(keyspace);
    await guard(this.connection.name, this.connection.writeTimeoutMs, () =>
      this.client.execute(
        `INSERT INTO ${q(keyspace)}.${LINEAGE_TABLE} (object_id, table_name, run_id, row_count) VALUES (?, ?, ?, ?)`,
        [record.objectId, record.table, record.runId, cassandra.types.Long.fromNumber(record.rowCount)],
        { prepare: true, executionProfile: WRITE_PROFILE },
      ),
    );
  }

  async derivedTables(project: string, objectIds: readonly number[]): Promise<DerivedTableRecord[]> {
    if (objectIds.length === 0) return [];
    const keyspace = keyspaceFor(project);
    const rs = await guard(this.connection.name, this.connection.timeoutMs, () =>
      this.client
        .execute(
          `SELECT object_id, table_name, run_id, row_count FROM ${q(keyspace)}.${LINEAGE_TABLE} WHERE object_id IN ?`,
          [[...new Set(objectIds)]],
          { prepare: true },
        )
        .catch((error: unknown) => {
          // a project whose objects never fed a table has no keyspace yet
          if (isMissingSchema(error)) return null;
          throw error;
        }),
    );
    return (rs?.rows ?? []).map((r) => ({
      objectId: r.get('object_id') as number,
      table: r.get('table_name') as string,
      runId: r.get('run_id') as string,
      rowCount: (r.get('row_count') as cassandra.types.Long).toNumber(),
    }));
  }

  async readRows(
    project: string,
    table: string,
    partitionKey: Record<string, unknown>,
    page: { first: number; after: string | null },
  ): Promise<RowPage> {
    const keyspace = keyspaceFor(project);
    identifier(table, 'table');
    if (page.after !== null && !CURSOR.test(page.after)) throw badCursor();
    const schema = await this.describe(keyspace, table, false);
    if (!schema) throw new NotFoundError(`project ${project} has no table ${table}`);
    const values = partitionValues(table, schema, partitionKey);
    const where = schema.partitionKey.map((c) => `${q(identifier(c, 'table'))} = ?`).join(' AND ');
    const rs = await guard(this.connection.name, this.connection.timeoutMs, () =>
      this.client
        .execute(`SELECT * FROM ${q(keyspace)}.${q(table)} WHERE ${where}`, values, {
          prepare: true,
          fetchSize: page.first,
          pageState: page.after === null ? undefined : Buffer.from(page.after, 'base64url'),
        })
        .catch((error: unknown) => {
          // the server checks the paging state it gave out; a made-up one is refused as a protocol error
          if (page.after !== null && isResponseError(error, 'protocolError')) throw badCursor();
          throw error;
        }),
    );
    return {
      columns: schema.columns,
      rows: rs.rows.map((r) =>
        Object.fromEntries(schema.columns.map((c) => [c.name, toJson(r.get(c.name))])),
      ),
      cursor: rs.pageState ? Buffer.from(rs.pageState, 'hex').toString('base64url') : null,
    };
  }

  /** Creates the keyspace and its lineage table once per process; a failed attempt is tried again next time. */
  private ensureKeyspace(keyspace: string): Promise<void> {
    let ready = this.keyspaces.get(keyspace);
    if (!ready) {
      ready = (async () => {
        await this.ddl(
          `CREATE KEYSPACE IF NOT EXISTS ${q(keyspace)} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${this.options.replicationFactor}}`,
        );
        await this.ddl(
          `CREATE TABLE IF NOT EXISTS ${q(keyspace)}.${LINEAGE_TABLE} (object_id int, table_name text, run_id text, row_count bigint, PRIMARY KEY (object_id, table_name))`,
        );
      })();
      ready.catch(() => this.keyspaces.delete(keyspace));
      this.keyspaces.set(keyspace, ready);
    }
    return ready;
  }

  /** Runs a schema change and waits until every node has it (the driver polls for agreement after DDL). */
  private async ddl(cql: string): Promise<void> {
    await guard(this.connection.name, null, async () => {
      const rs = await this.client.execute(cql, [], { executionProfile: WRITE_PROFILE });
      const info = rs.info as { isSchemaInAgreement?: boolean };
      if (info.isSchemaInAgreement === false) {
        throw new Error('the nodes did not agree on the schema in time');
      }
    });
  }

  private async describe(keyspace: string, table: string, writing: boolean): Promise<TableSchema | null> {
    const { timeoutMs, writeTimeoutMs } = this.connection;
    const rs = await guard(this.connection.name, writing ? writeTimeoutMs : timeoutMs, () =>
      this.client.execute(
        'SELECT column_name, kind, position, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
        [keyspace, table],
        { prepare: true, executionProfile: writing ? WRITE_PROFILE : undefined },
      ),
    );
    if (rs.rowLength === 0) return null;
    const cols = rs.rows.map((r) => ({
      name: r.get('column_name') as string,
      type: r.get('type') as string,
      kind: r.get('kind') as string,
      position: r.get('position') as number,
    }));
    cols.sort(
      (a, b) =>
        (KIND_ORDER[a.kind] ?? 2) - (KIND_ORDER[b.kind] ?? 2) ||
        a.position - b.position ||
        a.name.localeCompare(b.name),
    );
    const keyOf = (kind: string) => cols.filter((c) => c.kind === kind).map((c) => c.name);
    return {
      columns: cols.map(({ name, type }) => ({ name, type })),
      partitionKey: keyOf('partition_key'),
      clusteringKey: keyOf('clustering'),
    };
  }
}

/** Rows of one partition per batch, at most this many and about this many bytes of values. */
const BATCH_ROWS = 500;
const BATCH_BYTES = 512 * 1024;

/**
 * The rows grouped by partition (the values at `keyAt`; none: one partition) and cut into batches: a batch
 * of one partition is a single mutation for Cassandra, where the same rows one by one are as many requests.
 * Batches never span partitions, so none meets the size limits Cassandra sets on multi-partition batches.
 */
function writeRequests(rows: unknown[][], keyAt: number[]): unknown[][][] {
  const partitions = new Map<string, unknown[][]>();
  for (const row of rows) {
    const key = keyAt.length === 0 ? '' : JSON.stringify(keyAt.map((i) => partitionValue(row[i])));
    const rowsOf = partitions.get(key);
    if (rowsOf) rowsOf.push(row);
    else partitions.set(key, [row]);
  }
  const requests: unknown[][][] = [];
  for (const rowsOf of partitions.values()) {
    let batch: unknown[][] = [];
    let bytes = 0;
    for (const row of rowsOf) {
      const size = row.reduce<number>((n, v) => n + (typeof v === 'string' ? v.length * 3 : 16), 0);
      if (batch.length > 0 && (batch.length >= BATCH_ROWS || bytes + size > BATCH_BYTES)) {
        requests.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(row);
      bytes += size;
    }
    requests.push(batch);
  }
  return requests;
}

/** A partition key value as text that is equal exactly when the values Cassandra stores are. */
function partitionValue(value: unknown): string {
  if (value instanceof Date) return `t${value.getTime()}`;
  if (typeof value === 'number') return Object.is(value, -0) ? 'n-0' : `n${value}`;
  if (value instanceof cassandra.types.BigDecimal) {
    return `m${cassandra.types.BigDecimal.toBuffer(value).toString('hex')}`;
  }
  if (value === null || value === undefined) return 'null';
  return `${typeof value}${String(value)}`;
}

/** The schema a definition asks for, in the order `describe` reports one. */
function definitionSchema(table: TableDefinition): TableSchema {
  const all = new Map<string, string>([
    ['object_id', 'int'],
    ['run_id', 'text'],
  ]);
  for (const c of table.columns) {
    if (all.has(identifier(c.name, 'column')))
      throw new BadInputError(`column ${c.name} is given twice or is a lineage column`);
    all.set(c.name, c.type);
  }
  for (const k of [...table.partitionKey, ...table.clusteringKey]) {
    if (!all.has(k)) throw new BadInputError(`key column ${k} is not a column of ${table.name}`);
  }
  const keys = new Set([...table.partitionKey, ...table.clusteringKey]);
  const others = [...all.keys()].filter((c) => !keys.has(c)).sort();
  const order = [...table.partitionKey, ...table.clusteringKey, ...others];
  return {
    columns: order.map((name) => ({ name, type: all.get(name)! })),
    partitionKey: [...table.partitionKey],
    clusteringKey: [...table.clusteringKey],
  };
}

const sameSchema = (a: TableSchema | null, b: TableSchema) =>
  a !== null && describeSchema(a) === describeSchema(b);

function describeSchema(s: TableSchema | null): string {
  if (!s) return 'none';
  const cols = s.columns.map((c) => `${c.name} ${c.type}`).join(', ');
  return `(${cols}, PRIMARY KEY ((${s.partitionKey.join(', ')})${s.clusteringKey.map((c) => `, ${c}`).join('')}))`;
}

/** The partition key's values in key order, converted to their column types; refuses a query without all of them. */
function partitionValues(table: string, schema: TableSchema, given: Record<string, unknown>): unknown[] {
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new BadInputError('partitionKey must be an object of column: value', { argument: 'partitionKey' });
  }
  const key = schema.partitionKey;
  const missing = key.filter((c) => !Object.hasOwn(given, c));
  if (missing.length > 0) {
    throw new BadInputError(
      `table ${table} needs the partition key (${key.join(', ')}); a query without it would scan the whole table`,
      { argument: 'partitionKey', missing },
    );
  }
  const extra = Object.keys(given).filter((c) => !key.includes(c));
  if (extra.length > 0) {
    throw new BadInputError(
      `partitionKey names ${extra.join(', ')}, which ${extra.length > 1 ? 'are not' : 'is not'} in the partition key (${key.join(', ')}) of ${table}`,
      { argument: 'partitionKey' },
    );
  }
  const values = key.map((c) => {
    const type = schema.columns.find((col) => col.name === c)!.type;
    try {
      if (!isCqlType(type)) throw new CellError(`has type ${type}, which cannot be given as JSON`);
      return parseJsonValue(type, given[c]);
    } catch (error) {
      if (!(error instanceof CellError)) throw error;
      throw new BadInputError(`partitionKey.${c}: ${error.message}`, { argument: 'partitionKey' });
    }
  });
  try {
    checkKeySize(values);
  } catch (error) {
    throw new BadInputError(`partitionKey ${(error as Error).message}`, { argument: 'partitionKey' });
  }
  return values;
}

const badCursor = () => new BadInputError('after is not a cursor this API gave out', { argument: 'after' });

function isResponseError(error: unknown, code: keyof typeof cassandra.types.responseErrorCodes): boolean {
  return (
    error instanceof cassandra.errors.ResponseError && error.code === cassandra.types.responseErrorCodes[code]
  );
}

function isMissingSchema(error: unknown): boolean {
  return (
    isResponseError(error, 'invalid') && /does not exist|unconfigured table/i.test((error as Error).message)
  );
}
