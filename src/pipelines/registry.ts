import { type PubSub } from 'type-graphql';
import { type Airflow } from '../datasources/airflow/airflow.client.js';
import { type TableStore } from '../datasources/cassandra/table.store.js';
import { type TimeSeriesStore } from '../datasources/influx/timeseries.store.js';
import { type GraphStore } from '../datasources/neo4j/graph.store.js';
import { MemoryBudget } from './memory-budget.js';
import { type Step } from './step.js';
import { AirflowStep } from './steps/airflow.js';
import { CsvToCassandraStep } from './steps/csv-to-cassandra.js';
import { ImageToNeo4jStep } from './steps/image-to-neo4j.js';
import { JsonToInfluxStep } from './steps/json-to-influx.js';

/** The gold stores and settings the built-in steps write to; a missing store disables its steps. */
export interface StepDependencies {
  /** Where steps publish what they write, for subscriptions. */
  pubSub?: PubSub;
  timeseries?: TimeSeriesStore | null;
  graph?: GraphStore | null;
  /** Cassandra tables: `csv-to-cassandra`. */
  tables?: TableStore | null;
  airflow?: Airflow | null;
  /** How often the airflow step polls a DAG run (AIRFLOW_POLL_MS). */
  airflowPollMs?: number;
}

/** The built-in steps by name. A step whose store is not configured is absent: its runs fail with SOURCE_NOT_CONFIGURED. */
export function builtInSteps(deps: StepDependencies): Map<string, Step> {
  const steps: Step[] = [];
  // one budget for every step: what the runs of this process hold in memory at once
  const memory = new MemoryBudget();
  if (deps.timeseries && deps.pubSub) steps.push(new JsonToInfluxStep(deps.timeseries, deps.pubSub, memory));
  if (deps.graph) steps.push(new ImageToNeo4jStep(deps.graph));
  if (deps.airflow) steps.push(new AirflowStep(deps.airflow, deps.airflowPollMs));
  if (deps.tables) steps.push(new CsvToCassandraStep(deps.tables, undefined, memory));
  return new Map(steps.map((s) => [s.name, s]));
}
