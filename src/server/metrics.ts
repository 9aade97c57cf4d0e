import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

const RESOLUTION_MS = 10;
let delays: IntervalHistogram | undefined;

/** Starts sampling the event loop's delay, once per process (a libuv timer every 10 ms). */
export function watchEventLoop(): void {
  if (delays) return;
  delays = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delays.enable();
}

// The histogram holds the time between two ticks of its timer: the lag is what exceeds the resolution.
const lagMs = (ns: number) => Math.round(Math.max(ns / 1e6 - RESOLUTION_MS, 0) * 100) / 100;

/** What GET /metrics answers: the process's memory now, and its event-loop lag since it started. */
export function processMetrics() {
  const memory = process.memoryUsage();
  return {
    uptimeSeconds: Math.round(process.uptime()),
    memory: {
      rssBytes: memory.rss,
      heapTotalBytes: memory.heapTotal,
      heapUsedBytes: memory.heapUsed,
      externalBytes: memory.external,
    },
    eventLoopLagMs: delays
      ? {
          p50: lagMs(delays.percentile(50)),
          p99: lagMs(delays.percentile(99)),
          max: lagMs(delays.max),
          mean: lagMs(delays.mean),
        }
      : null,
  };
}
