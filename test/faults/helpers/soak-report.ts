import { type EventFollower, type PointsFollower } from './soak-followers.js';
import { type Tally } from './soak-load.js';
import { growth, MIB, type Sample } from './soak-process.js';

/** The V8 heap's committed and used bytes, and memory held outside it (Buffers), from GET /metrics. */
export interface HeapSample {
  at: number;
  total: number;
  used: number;
  external: number;
}

export interface SoakRun {
  seconds: number;
  warmUpSeconds: number;
  loadAverage: { before: number; after: number };
  cpuSeconds: number;
  tally: Tally;
  /** Most requests in flight at once, by kind. */
  inFlight: Record<string, number>;
  gatewayLogs: Record<string, unknown>[];
  followers: EventFollower[];
  points: PointsFollower;
  rss: Sample[];
  heap: HeapSample[];
  /** RSS and heap used right after a full collection, at the end of the warm-up and at the end. */
  collected: Record<'warmUp' | 'end', { rss: number; heapUsed: number }>;
  /** Latencies of a direct read of the catalog's database, apart from the gateway, in ms. */
  probe: number[];
  lag: { p50: number; p99: number; max: number; mean: number };
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(Math.floor(values.length * p), values.length - 1)]!;
const mib = (bytes: number) => (bytes / MIB).toFixed(1);
const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;

/** The gateway's warnings and errors, by message, most frequent first. */
function warnings(logs: Record<string, unknown>[]): string {
  const counts = new Map<string, number>();
  for (const entry of logs) {
    if (Number(entry['level']) < 40) continue;
    const key = `${entry['level'] === 40 ? 'warn' : 'error'} ${String(entry['msg'])}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5);
  return top.length ? top.map(([msg, n]) => `${n} × ${msg}`).join('; ') : 'no warning, no error';
}

/** The first sample of each minute. */
function byMinute(samples: Sample[]): string {
  const firsts = new Map<number, number>();
  for (const s of samples)
    if (!firsts.has(Math.floor(s.at / 60_000))) firsts.set(Math.floor(s.at / 60_000), s.value);
  return [...firsts.values()].map(mib).join(', ');
}

/** What the soak measured, line by line. */
export function soakReport(run: SoakRun): string[] {
  const { tally, followers, points, rss } = run;
  const [first] = followers;
  const memory = growth(rss, run.warmUpSeconds * 1000);
  const series = (key: 'total' | 'used' | 'external') => run.heap.map((h) => ({ at: h.at, value: h[key] }));
  const heap = growth(series('used'), run.warmUpSeconds * 1000);
  const values = rss.map((s) => s.value);
  const lag = run.lag;
  return [
    `${run.seconds} s of load, warm-up ${run.warmUpSeconds} s; machine load average ${run.loadAverage.before.toFixed(1)} before, ${run.loadAverage.after.toFixed(1)} after`,
    `gateway CPU: ${run.cpuSeconds.toFixed(0)} s in ${run.seconds} s (${((run.cpuSeconds / run.seconds) * 100).toFixed(0)}% of one core)`,
    ...[...tally.requests].map(([kind, n]) => `${kind}: ${n} requests`),
    `requests: ${tally.total()}, errors: ${tally.errors} ${JSON.stringify(Object.fromEntries(tally.errorsByKind))}`,
    `errors by minute: ${JSON.stringify(Object.fromEntries(tally.errorsByMinute))}${tally.samples.map((s) => `\n  ${s}`).join('')}`,
    `most requests in flight: ${JSON.stringify(run.inFlight)}`,
    `gateway log: ${warnings(run.gatewayLogs)}`,
    `subscriptions: ${followers.length} ingestionEvents (${followers.map((f) => f.received).join(', ')} events, last sequence ${Math.max(...followers.map((f) => f.last))}), 1 timeSeriesPoints (${points.received} batches, ${points.points} points)`,
    `pipeline runs: ${first!.queued.size} queued, ${first!.ended.size} ended; objects cataloged: ${first!.cataloged}`,
    `RSS after a full collection: ${mib(run.collected.warmUp.rss)} MiB after warm-up, ${mib(run.collected.end.rss)} MiB at the end (${pct((run.collected.end.rss - run.collected.warmUp.rss) / run.collected.warmUp.rss)}); heap used then ${mib(run.collected.warmUp.heapUsed)} and ${mib(run.collected.end.heapUsed)} MiB`,
    `RSS along the fitted line: ${mib(memory.start)} MiB after warm-up, ${mib(memory.end)} MiB at the end (${pct(memory.ratio)}); ${values.length} samples, lowest ${mib(Math.min(...values))} MiB, highest ${mib(Math.max(...values))} MiB`,
    `RSS at the start of each minute, MiB: ${byMinute(rss)}`,
    `V8 heap committed at the start of each minute, MiB: ${byMinute(series('total'))}`,
    `heap used at the start of each minute, MiB: ${byMinute(series('used'))}`,
    `external (Buffers) at the start of each minute, MiB: ${byMinute(series('external'))}`,
    `heap used along the fitted line: ${mib(heap.start)} MiB after warm-up, ${mib(heap.end)} MiB at the end (${pct(heap.ratio)})`,
    `catalog server read directly (${run.probe.length} reads): p50 ${percentile(run.probe, 0.5).toFixed(0)} ms, p99 ${percentile(run.probe, 0.99).toFixed(0)} ms, max ${Math.max(...run.probe).toFixed(0)} ms`,
    `event-loop lag since start: p50 ${lag.p50} ms, p99 ${lag.p99} ms, max ${lag.max} ms, mean ${lag.mean} ms`,
  ];
}
