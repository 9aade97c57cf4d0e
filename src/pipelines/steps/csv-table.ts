import { z } from 'zod';
import {
  IDENTIFIER,
  LINEAGE_COLUMNS,
  normaliseName,
  tableName,
} from '../../datasources/cassandra/cql-names.js';
import {
  CellError,
  checkKeySize,
  CQL_TYPES,
  type CqlType,
  parseCell,
} from '../../datasources/cassandra/cql-types.js';
import { type TableDefinition } from '../../datasources/cassandra/table.store.js';
import { BadInputError } from '../../errors/errors.js';

const ARG = 'otherData.table';
/** Header mode numbers the rows of an object: with object_id it is the primary key. */
const ROW_NUMBER = 'row_number';

const templateSchema = z
  .object({
    name: z.string().optional(),
    columns: z.record(z.string(), z.enum(CQL_TYPES)).optional(),
    partitionKey: z.array(z.string()).min(1).optional(),
    clusteringKey: z.array(z.string()).optional(),
  })
  .strict()
  .optional();

interface Declared {
  columns: { name: string; type: CqlType }[];
  partitionKey: string[];
  clusteringKey: string[];
}

/** What `otherData.table` asks for: the table's name, and its columns unless they come from the header. */
export interface TableTemplate {
  name: string;
  declared: Declared | null;
}

/** Where the data goes and how a CSV record becomes a row. */
export interface TablePlan {
  definition: TableDefinition;
  /** The columns a row's values are for, lineage left out. */
  columns: string[];
  /** A record's values for `columns`; throws BAD_USER_INPUT naming the row (1 = first after the header) and column. */
  toRow(fields: string[], row: number): unknown[];
}

const show = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

function columnName(name: string, argument: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new BadInputError(
      `${argument}: ${show(name)} is not a column name (lower-case letters, digits and _, starting with a letter, at most 48)`,
      { argument },
    );
  }
  return name;
}

/** Checks `otherData.table` before a byte of the object is read. */
export function parseTemplate(
  otherData: Record<string, unknown> | null,
  originalName: string,
): TableTemplate {
  const parsed = templateSchema.safeParse(otherData?.['table'] ?? undefined);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const argument = [ARG, ...issue.path].join('.');
    throw new BadInputError(`${argument}: ${issue.message}`, { argument });
  }
  const t = parsed.data ?? {};
  const name = tableName(t.name ?? nameOfFile(originalName), `${ARG}.name`);
  if (!t.columns) {
    if (t.partitionKey || t.clusteringKey) {
      throw new BadInputError(`${ARG}: keys need declared columns`, { argument: `${ARG}.columns` });
    }
    return { name, declared: null };
  }
  const columns = Object.entries(t.columns).map(([c, type]) => ({
    name: columnName(c, `${ARG}.columns`),
    type,
  }));
  if (columns.length === 0)
    throw new BadInputError(`${ARG}.columns is empty`, { argument: `${ARG}.columns` });
  for (const c of columns) {
    if ((LINEAGE_COLUMNS as readonly string[]).includes(c.name)) {
      throw new BadInputError(`${ARG}.columns: ${c.name} is a lineage column, every table has it`, {
        argument: `${ARG}.columns`,
      });
    }
  }
  if (!t.partitionKey) {
    throw new BadInputError(`${ARG}.partitionKey is required with columns`, {
      argument: `${ARG}.partitionKey`,
    });
  }
  const known = new Set([...LINEAGE_COLUMNS, ...columns.map((c) => c.name)]);
  const keys = [...t.partitionKey, ...(t.clusteringKey ?? [])];
  for (const k of keys) {
    if (!known.has(k)) {
      throw new BadInputError(`${ARG}: key column ${show(k)} is not a declared column`, {
        argument: `${ARG}.partitionKey`,
      });
    }
  }
  if (new Set(keys).size !== keys.length) {
    throw new BadInputError(`${ARG}: a column is named twice in the keys`, {
      argument: `${ARG}.partitionKey`,
    });
  }
  return { name, declared: { columns, partitionKey: t.partitionKey, clusteringKey: t.clusteringKey ?? [] } };
}

/** `Sensor readings 2024.csv` → `sensor_readings_2024`; a name starting with a digit gets `t_` in front. */
function nameOfFile(originalName: string): string {
  const base = normaliseName(originalName.replace(/\.[^.]*$/, ''));
  return /^[0-9]/.test(base) ? `t_${base}` : base;
}

/** The table and row maker for a file with this header line. */
export function planTable(template: TableTemplate, header: string[]): TablePlan {
  const names = header.map((label, i) => {
    const name = normaliseName(label);
    if (!IDENTIFIER.test(name)) {
      throw new BadInputError(
        `header column ${i + 1} (${show(label)}) does not make a column name: it needs a letter first and at most 48 letters, digits and _`,
        { argument: 'header', column: i + 1 },
      );
    }
    return name;
  });
  return template.declared
    ? declaredPlan(template.name, template.declared, names)
    : headerPlan(template.name, names);
}

function headerPlan(name: string, names: string[]): TablePlan {
  const seen = new Set<string>([...LINEAGE_COLUMNS, ROW_NUMBER]);
  for (const n of names) {
    if (seen.has(n)) {
      throw new BadInputError(
        `header column ${n} is there twice or is reserved (object_id, run_id, row_number)`,
        {
          argument: 'header',
          column: n,
        },
      );
    }
    seen.add(n);
  }
  return {
    definition: {
      name,
      columns: [{ name: ROW_NUMBER, type: 'int' }, ...names.map((n) => ({ name: n, type: 'text' as const }))],
      partitionKey: ['object_id'],
      clusteringKey: [ROW_NUMBER],
    },
    columns: [ROW_NUMBER, ...names],
    toRow: (fields, row) => [row, ...fields],
  };
}

/** Every declared column is read from the header column of that name; other header columns are left out. */
function declaredPlan(name: string, declared: Declared, names: string[]): TablePlan {
  const keys = new Set([...declared.partitionKey, ...declared.clusteringKey]);
  const sources = declared.columns.map((c) => {
    const at = names.indexOf(c.name);
    if (at < 0)
      throw new BadInputError(`the header has no column ${c.name}`, { argument: 'header', column: c.name });
    if (names.indexOf(c.name, at + 1) >= 0) {
      throw new BadInputError(`the header has column ${c.name} twice`, {
        argument: 'header',
        column: c.name,
      });
    }
    return { ...c, at, key: keys.has(c.name) };
  });
  // where each key column's value is in a row; -1 for a lineage column, whose value is small
  const at = (k: string) => sources.findIndex((s) => s.name === k);
  const partitionAt = declared.partitionKey.map(at);
  const clusteringAt = declared.clusteringKey.map(at);
  return {
    definition: { name, ...declared },
    columns: declared.columns.map((c) => c.name),
    toRow: (fields, row) => {
      const values = sources.map((c) => {
        const text = fields[c.at]!;
        try {
          const value = parseCell(c.type, text);
          if (c.key && (value === null || value === ''))
            throw new CellError('is empty, and a key column needs a value');
          return value;
        } catch (error) {
          if (!(error instanceof CellError)) throw error;
          throw new BadInputError(`row ${row}, column ${c.name}: ${error.message}`, { row, column: c.name });
        }
      });
      try {
        checkKeySize(partitionAt.map((i) => (i < 0 ? 0 : values[i])));
        for (const i of clusteringAt) if (i >= 0) checkKeySize([values[i]]);
      } catch (error) {
        if (!(error instanceof CellError)) throw error;
        throw new BadInputError(`row ${row}: its key ${error.message}`, { row });
      }
      return values;
    },
  };
}
