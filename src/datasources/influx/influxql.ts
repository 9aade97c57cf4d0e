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

/** A tag name a query filters or groups by: `time` in any case is the point time there, never a tag. */
export function tagIdentifier(name: string, argument: string): string {
  if (name.toLowerCase() === 'time') {
    throw new BadInputError(`${argument}: ${name} is the point time, not a tag`, { argument });
  }
  return identifier(name, argument);
}

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  u: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};
const MAX_NS = 2n ** 63n - 1n;

/** A GROUP BY time() interval; InfluxDB refuses one longer than 2^63-1 ns. */
export function interval(every: string, argument = 'every'): string {
  const match = EVERY_PATTERN.exec(every);
  const ns = match ? BigInt(every.slice(0, -match[1]!.length)) * UNIT_NS[match[1]!]! : 0n;
  if (ns <= 0n || ns > MAX_NS) {
    const message = `${argument} must be a positive duration such as 30s, 5m or 1h, at most 15250w`;
    throw new BadInputError(message, { argument });
  }
  return every;
}

/** The times InfluxQL can compare with, in whole milliseconds (1677-09-21 to 2262-04-11). */
const MIN_TIME_MS = -9_223_372_036_854;
const MAX_TIME_MS = 9_223_372_036_854;

/** A query bound within what InfluxQL accepts: no point lies outside it anyway. */
export function timeBound(date: Date): string {
  return new Date(Math.min(Math.max(date.getTime(), MIN_TIME_MS), MAX_TIME_MS)).toISOString();
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
