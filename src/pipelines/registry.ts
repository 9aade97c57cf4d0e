import { type TableStore } from '../datasources/cassandra/table.store.js';
import { type Step } from './step.js';
import { CsvToCassandraStep } from './steps/csv-to-cassandra.js';

/** The gold stores and settings the built-in steps write to; a missing store disables its steps. */
export interface StepDependencies {
  /** Cassandra tables: `csv-to-cassandra`. */
  tables?: TableStore | null;
}

/** The built-in steps by name. A step whose store is not configured is absent: its runs fail with SOURCE_NOT_CONFIGURED. */
export function builtInSteps(deps: StepDependencies): Map<string, Step> {
  const steps: Step[] = [];
  if (deps.tables) steps.push(new CsvToCassandraStep(deps.tables));
  return new Map(steps.map((s) => [s.name, s]));
}
