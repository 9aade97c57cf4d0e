import cassandra from 'cassandra-driver';

const { Long, LocalDate, Uuid, BigDecimal } = cassandra.types;

/** The column types a gold table may declare. */
export const CQL_TYPES = [
  'text',
  'int',
  'bigint',
  'double',
  'boolean',
  'timestamp',
  'date',
  'uuid',
  'decimal',
] as const;
export type CqlType = (typeof CQL_TYPES)[number];

export const isCqlType = (t: unknown): t is CqlType => (CQL_TYPES as readonly unknown[]).includes(t);

const INTEGER = /^[+-]?\d+$/;
/** Plain decimal notation: the driver's BigDecimal.fromString misreads exponents (1.1e1 as 0.011). */
const PLAIN_DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

/** A value that cannot be a `type`: the caller names the row and column. */
export class CellError extends Error {}

/**
 * Text (a CSV cell, a GraphQL argument) as the driver value of a column of `type`. An empty cell is null,
 * except in a text column.
 */
export function parseCell(type: CqlType, text: string): unknown {
  if (type === 'text') return text;
  const s = text.trim();
  if (s === '') return null;
  const fail = (): never => {
    throw new CellError(`${JSON.stringify(text.slice(0, 40))} is not a valid ${type}`);
  };
  switch (type) {
    case 'int': {
      const n = INTEGER.test(s) ? Number(s) : NaN;
      return Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 ? n : fail();
    }
    case 'bigint': {
      const n = INTEGER.test(s) ? BigInt(s) : null;
      return n !== null && n >= INT64.min && n <= INT64.max ? Long.fromString(n.toString()) : fail();
    }
    case 'double': {
      const n = NUMBER.test(s) ? Number(s) : NaN;
      return Number.isFinite(n) ? n : fail();
    }
    case 'boolean':
      // own keys only: "constructor" is no boolean
      return Object.hasOwn(BOOLEANS, s.toLowerCase()) ? BOOLEANS[s.toLowerCase()]! : fail();
    case 'timestamp': {
      const m = TIMESTAMP.exec(s);
      // a time without a zone is UTC, whatever the server's own zone
      const iso = m ? s.replace(' ', 'T') + (m[1] && !m[4] ? 'Z' : '') : '';
      const ms = INTEGER.test(s) ? Number(s) : m ? Date.parse(iso) : NaN;
      return Number.isFinite(ms) ? new Date(ms) : fail();
    }
    case 'date': {
      const m = DATE.exec(s);
      const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
      // Date.UTC rolls 2024-02-30 over to March: a real date reads back the same
      return d && d.toISOString().slice(0, 10) === s ? LocalDate.fromString(s) : fail();
    }
    case 'uuid':
      return UUID.test(s) ? Uuid.fromString(s.toLowerCase()) : fail();
    case 'decimal':
      return PLAIN_DECIMAL.test(s) ? BigDecimal.fromString(s) : fail();
  }
}

/** Cassandra keeps a key in at most this many bytes: the partition key whole, each clustering value alone. */
export const MAX_KEY_BYTES = 65_535;

/**
 * The bytes a partition key of these driver values takes: a single value as it is, each of a composite one
 * with its 2-byte length and end byte. Only text and decimal grow with their input; the rest are fixed.
 */
export function keyBytes(values: readonly unknown[]): number {
  const size = (v: unknown) =>
    typeof v === 'string'
      ? Buffer.byteLength(v)
      : v instanceof BigDecimal
        ? BigDecimal.toBuffer(v).length
        : 16;
  return values.length === 1 ? size(values[0]) : values.reduce<number>((n, v) => n + size(v) + 3, 0);
}

/** Refuses key values Cassandra cannot hold, before any request. */
export function checkKeySize(values: readonly unknown[]): void {
  const bytes = keyBytes(values);
  if (bytes > MAX_KEY_BYTES) {
    throw new CellError(`is ${bytes} bytes, more than the ${MAX_KEY_BYTES} a Cassandra key can hold`);
  }
}

/** A JSON value from a GraphQL argument as the driver value of a column of `type`. */
export function parseJsonValue(type: CqlType, value: unknown): unknown {
  if (type === 'text') {
    if (typeof value !== 'string') throw new CellError('is not a string');
    return value;
  }
  if (!['string', 'number', 'boolean'].includes(typeof value)) throw new CellError(`is not a valid ${type}`);
  const parsed = parseCell(type, String(value));
  if (parsed === null) throw new CellError(`is not a valid ${type}`);
  return parsed;
}

/**
 * A driver value as JSON: numbers that JSON holds exactly stay numbers; bigint and decimal are strings
 * (exact beyond 2^53), timestamp an ISO string, date `YYYY-MM-DD`.
 */
export function toJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (
    value instanceof Long ||
    value instanceof LocalDate ||
    value instanceof Uuid ||
    value instanceof BigDecimal
  ) {
    return value.toString();
  }
  return String(value);
}
