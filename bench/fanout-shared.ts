// What the fan-out benchmark's processes agree on: the project, the subscription, the IPC messages.

export const PROJECT = 'fanout';
export const UPLOAD_ID = '00000000-0000-4000-8000-00000000f00d';
export const TOTAL_BYTES = 1_000_000;

/** The subscription every lakegate subscriber sends; the broadcast baseline sends the same bytes. */
export const QUERY =
  'subscription Feed($project: String!) { ingestionEvents(project: $project) { project sequence type uploadId objectId at bytes totalBytes } }';

/**
 * What graphql-ws sends a subscriber (id "1") for the event numbered `sequence`, published at `at` and
 * due at `scheduledAt`. The benchmark's events carry that time (epoch ms) in `bytes`.
 */
export function nextMessage(sequence: number, at: Date, scheduledAt: number): string {
  const ingestionEvents = {
    project: PROJECT,
    sequence,
    type: 'BYTES_RECEIVED',
    uploadId: UPLOAD_ID,
    objectId: 1,
    at: at.toISOString(),
    bytes: scheduledAt,
    totalBytes: TOTAL_BYTES,
  };
  return JSON.stringify({ id: '1', type: 'next', payload: { data: { ingestionEvents } } });
}

/** Orchestrator → server process. */
export interface PublishCommand {
  publish: { rate: number; seconds: number };
}

/** Server process → orchestrator: first `{ url }`, then one `PublishReport` per command. */
export interface PublishReport {
  /** Events published before the time was up. */
  published: number;
}

/** Orchestrator → client process. */
export type ClientCommand =
  | { connect: { url: string; clients: number; graphql: boolean; tokens: string[] } }
  | { reset: true }
  | { report: true };

/** Client process → orchestrator: `{ ready }` after connect, `{ reset }` after reset, and the report. */
export interface ClientReport {
  received: number;
  /** Messages that were not an event (e.g. an error). */
  other: number;
  /** Sockets that have not received an event yet: their subscription may not be live. */
  silent: number;
  /** Epoch ms of the last event received. */
  lastAt: number;
  /** Delivery latency in whole ms (receive time − scheduled publish time), as [ms, count] pairs. */
  latencies: [number, number][];
  /** One message as received, to compare both sides' bytes. */
  sample: string;
}

/**
 * Calls `emit` `rate` times a second during `seconds`, catching up in bursts when the event loop is late
 * (as a real producer on a busy process would). Events not yet emitted when the time is up are dropped:
 * an overloaded side delivers less instead of running longer. `scheduledAt` is when an event was due
 * (epoch ms): delivery latency counts from there, so falling behind the schedule counts too.
 */
export async function pace(
  rate: number,
  seconds: number,
  emit: (scheduledAt: number) => void,
): Promise<PublishReport> {
  const total = Math.round(rate * seconds);
  const startedAt = Date.now();
  const start = performance.now();
  const end = start + seconds * 1000;
  let published = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
      while (published < due && performance.now() < end) {
        emit(startedAt + Math.floor((published * 1000) / rate));
        published++;
      }
      if (published < total && performance.now() < end) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  return { published };
}
