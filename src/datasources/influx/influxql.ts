import { BadInputError } from '../../errors/errors.js';

/**
 * InfluxQL binds values only (`$name` with a `params` JSON), not identifiers, so measurement and tag names
 * reach a query through this pattern and double quotes: it admits neither quote nor backslash.
 */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/** A GROUP BY time() interval: a positive count and an InfluxQL duration unit. */
export const EVERY_PATTERN = /^\d+(ns|u|ms|s|m|h|d|w)$/;

/** The tags every point carries, naming the object and run it comes from. */
export const LINEAGE_TAGS = ['project', 'object_id', 'run_id'] as const;

export const AGGREGATES = ['MEAN', 'SUM', 'MIN', 'MAX', 'COUNT', 'FIRST', 'LAST'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

/** A quoted identifier; a name outside NAME_PATTERN is refused with BAD_USER_INPUT naming `argument`. */
export function identifier(name: string, argument: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new BadInputError(`${argument} must match ${NAME_PATTERN.source}`, { argument });
  }
  return `"${name}"`;
}

export function interval(every: string, argument = 'every'): string {
  if (!EVERY_PATTERN.test(every) || /^0+\D/.test(every)) {
    throw new BadInputError(`${argument} must be a positive duration such as 30s, 5m or 1h`, { argument });
  }
  return every;
}

/** Bound parameters of one statement: `add(value)` returns the placeholder that stands for it. */
export class Params {
  readonly values: Record<string, string | number | boolean> = {};
  private next = 0;

  add(value: string | number | boolean): string {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return `$${name}`;
  }
}
