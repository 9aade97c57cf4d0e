import { isDeepStrictEqual } from 'node:util';
import { type OutageViewQuery } from '../../generated/graphql.js';
import { type CodedError, type ViewSample } from './outage-load.js';

/** One store stopped and started again, with when each thing happened (ms since the epoch). */
export interface Outage {
  store: string;
  stopBegan: number;
  /** The server process is gone. */
  stopped: number;
  startBegan: number;
  /** The server answers its own ping again. */
  started: number;
  /** The end of the first view answered whole again, asked after `started`. */
  recovered: number | null;
}

/** The view as the gateway answers it while `stores` are down: their fields null, the catalog's the whole answer. */
export function withoutStores(
  data: OutageViewQuery | null | undefined,
  stores: ReadonlySet<string>,
): unknown {
  if (!data || stores.has('catalog')) return null;
  const nulled = <T>(store: string, value: T) => (stores.has(store) ? null : value);
  return {
    objects: {
      nodes: data.objects.nodes.map((n) => ({
        ...n,
        preview: nulled('raw', n.preview),
        derived: {
          series: nulled('timeseries', n.derived.series),
          images: nulled('graph', n.derived.images),
          tables: nulled('tables', n.derived.tables),
        },
      })),
    },
  };
}

/** Whether the sample is the whole view, exactly as before any outage. */
export function isWhole(sample: ViewSample, baseline: OutageViewQuery): boolean {
  return sample.errors.length === 0 && isDeepStrictEqual(sample.data, baseline);
}

/** The stores whose outage (from the stop to the first whole answer) overlaps the sample. */
export function storesDownDuring(sample: ViewSample, outages: readonly Outage[]): Set<string> {
  return new Set(
    outages
      .filter((o) => o.stopBegan <= sample.endedAt && (o.recovered ?? Infinity) >= sample.startedAt)
      .map((o) => o.store),
  );
}

/**
 * What is wrong with an answer given the stores down while it was made: an error that is not
 * SOURCE_UNAVAILABLE naming one of them, or a field of another store that differs from the baseline.
 */
export function faultsOf(sample: ViewSample, baseline: OutageViewQuery, down: ReadonlySet<string>): string[] {
  const faults = sample.errors
    .filter((e: CodedError) => e.code !== 'SOURCE_UNAVAILABLE' || !down.has(String(e.source)))
    .map((e) => `error ${String(e.code)} from ${String(e.source)} at ${e.path?.join('.')}`);
  if (!isDeepStrictEqual(withoutStores(sample.data, down), withoutStores(baseline, down)))
    faults.push(`fields of stores that were up differ from the baseline: ${JSON.stringify(sample.data)}`);
  return faults;
}
