import { type Answer, failureOf } from './soak-http.js';

/** Requests and errors by kind, errors by minute, and the first few errors, to say what went wrong. */
export class Tally {
  readonly requests = new Map<string, number>();
  readonly errorsByKind = new Map<string, number>();
  readonly errorsByMinute = new Map<number, number>();
  errors = 0;
  readonly samples: string[] = [];
  private readonly started = Date.now();

  fail(kind: string, why: string): void {
    this.errors++;
    this.errorsByKind.set(kind, (this.errorsByKind.get(kind) ?? 0) + 1);
    const minute = Math.floor((Date.now() - this.started) / 60_000);
    this.errorsByMinute.set(minute, (this.errorsByMinute.get(minute) ?? 0) + 1);
    if (this.samples.length < 10) this.samples.push(`${kind}: ${why}`);
  }

  /** Counts one request of `kind`; an HTTP failure, a GraphQL error or a thrown error counts as an error. */
  async track(kind: string, call: () => Promise<Answer<unknown>>): Promise<void> {
    this.requests.set(kind, (this.requests.get(kind) ?? 0) + 1);
    try {
      const why = failureOf(await call());
      if (why) this.fail(kind, why);
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      this.fail(kind, cause ? `${String(error)} (${String(cause)})` : String(error));
    }
  }

  total(): number {
    return [...this.requests.values()].reduce((a, b) => a + b, 0);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `fire` every `periodMs` (from `offsetMs` on) until `endAt`, without waiting for the previous call
 * to end: a slow gateway gets more work in flight, not less. Resolves, once every call has ended, to the
 * most calls that were in flight at once.
 */
export async function atSteadyRate(
  periodMs: number,
  endAt: number,
  fire: (i: number) => Promise<void>,
  offsetMs = 0,
): Promise<number> {
  const running = new Set<Promise<void>>();
  let most = 0;
  const start = performance.now() + offsetMs;
  for (let i = 0; Date.now() < endAt; i++) {
    await sleep(start + i * periodMs - performance.now());
    const call = fire(i).finally(() => running.delete(call));
    running.add(call);
    most = Math.max(most, running.size);
  }
  await Promise.all(running);
  return most;
}
