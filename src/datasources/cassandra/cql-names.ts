import { BadInputError } from '../../errors/errors.js';

/** Keyspace, table and column names: what Cassandra accepts unquoted, lower case only, 48 characters at most. */
export const IDENTIFIER = /^[a-z][a-z0-9_]{0,47}$/;
const PROJECT = /^[a-z0-9][a-z0-9-]{2,62}$/;

/** Every gold table has them: the object and the pipeline run a row comes from. */
export const LINEAGE_COLUMNS = ['object_id', 'run_id'] as const;
/** The per-keyspace table that records which tables an object fed. */
export const LINEAGE_TABLE = 'derived_tables';

/** Checks a name that goes into CQL as an identifier; anything else is refused naming the argument. */
export function identifier(name: unknown, argument: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new BadInputError(
      `${argument} must be a lower-case name of letters, digits and _ that starts with a letter (at most 48 characters)`,
      { argument },
    );
  }
  return name;
}

/** A table a gold step may write: a valid identifier that is not the lineage table. */
export function tableName(name: unknown, argument: string): string {
  const table = identifier(name, argument);
  if (table === LINEAGE_TABLE)
    throw new BadInputError(`${argument}: ${LINEAGE_TABLE} is reserved`, { argument });
  return table;
}

/** The project's keyspace: `lg_` + the project name with `-` as `_` (project names have no `_`, so no two collide). */
export function keyspaceFor(project: string, argument = 'project'): string {
  const keyspace = PROJECT.test(project) ? `lg_${project.replaceAll('-', '_')}` : '';
  if (!IDENTIFIER.test(keyspace)) {
    throw new BadInputError(`${argument} is not a project that can have tables (at most 45 characters)`, {
      argument,
    });
  }
  return keyspace;
}

/** A free-form label (a CSV header, a file name) as an identifier: lower case, accents dropped, runs of other characters as `_`. */
export function normaliseName(label: string): string {
  return label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Quoted, so that names such as `select` or `key` work; safe because every name matched IDENTIFIER. */
export const q = (name: string) => `"${name}"`;
