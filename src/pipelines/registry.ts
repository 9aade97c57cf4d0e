import { type PubSub } from 'type-graphql';
import { type TimeSeriesStore } from '../datasources/influx/timeseries.store.js';
import { type Logger } from '../logger.js';
import { type Step } from './step.js';
import { JsonToInfluxStep } from './steps/json-to-influx.js';

/** The gold stores and settings the built-in steps write to; a missing store disables its steps. */
export interface StepDependencies {
  logger: Logger;
  /** Where steps publish what they write, for subscriptions. */
  pubSub: PubSub;
  timeseries?: TimeSeriesStore | null;
}

/** The built-in steps by name. A step whose store is not configured is absent: its runs fail with SOURCE_NOT_CONFIGURED. */
export function builtInSteps(deps: StepDependencies): Map<string, Step> {
  const steps: Step[] = [];
  if (deps.timeseries) steps.push(new JsonToInfluxStep(deps.timeseries, deps.pubSub));
  return new Map(steps.map((s) => [s.name, s]));
}
