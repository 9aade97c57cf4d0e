// The load generator of the overhead suite, in a process of its own (forked by overhead.ts, which sends
// one Load over IPC): autocannon against one URL, every answer checked against the expected body.
import autocannon from 'autocannon';

export interface Load {
  url: string;
  body: string;
  headers: Record<string, string>;
  expectBody: string;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Answers that were not a 200 with the expected body, and connection errors (timeouts included). */
  failures: { non2xx: number; mismatches: number; errors: number };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

process.once('message', async (load: Load) => {
  // autocannon's own histogram keeps whole milliseconds; the response times it reports are finer.
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: load.url,
        method: 'POST',
        body: load.body,
        headers: { 'content-type': 'application/json', ...load.headers },
        expectBody: load.expectBody,
        connections: load.connections,
        duration: load.seconds,
        timeout: 30,
      },
      (error, result) => (error ? reject(error as Error) : resolve(result)),
    );
    instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
  });
  times.sort((a, b) => a - b);
  const summary: LoadResult = {
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
    failures: { non2xx: result.non2xx, mismatches: result.mismatches, errors: result.errors },
  };
  process.send!(summary, () => process.exit(0));
});
