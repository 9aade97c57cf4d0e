import { type Logger } from '../logger.js';
import { type Step } from './step.js';

/** The gold stores and settings the built-in steps write to; a missing store disables its steps. */
export interface StepDependencies {
  logger: Logger;
}

/** The built-in steps by name. A step whose store is not configured is absent: its runs fail with SOURCE_NOT_CONFIGURED. */
export function builtInSteps(_deps: StepDependencies): Map<string, Step> {
  const steps: Step[] = [];
  return new Map(steps.map((s) => [s.name, s]));
}
