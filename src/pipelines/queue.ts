import { type Logger } from '../logger.js';

/**
 * Where queued runs wait for a runner: each attempt of a run at most once at a time. Delivery is at least
 * once: the executor claims the run at that attempt, so a late or repeated delivery runs nothing.
 */
export interface RunQueue {
  add(runId: string, attempt: number): Promise<void>;
  /** True while that attempt waits or runs here. */
  has(runId: string, attempt: number): Promise<boolean>;
  /** Starts taking runs; `handle` resolves when the run is over (whatever its outcome). */
  start(handle: (runId: string, attempt: number) => Promise<void>): void;
  close(): Promise<void>;
}

/** The default: runs wait in memory and run in this process, `concurrency` at a time. */
export class InProcessQueue implements RunQueue {
  private readonly waiting: { runId: string; attempt: number }[] = [];
  /** Attempts waiting or running. */
  private readonly held = new Set<string>();
  private running = 0;
  private handle: ((runId: string, attempt: number) => Promise<void>) | null = null;
  private closed = false;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly concurrency: number,
    private readonly logger: Logger,
  ) {}

  async add(runId: string, attempt: number): Promise<void> {
    const key = `${runId}/${attempt}`;
    if (this.closed || this.held.has(key)) return;
    this.held.add(key);
    this.waiting.push({ runId, attempt });
    this.pump();
  }

  async has(runId: string, attempt: number): Promise<boolean> {
    return this.held.has(`${runId}/${attempt}`);
  }

  start(handle: (runId: string, attempt: number) => Promise<void>): void {
    this.handle = handle;
    this.pump();
  }

  private pump(): void {
    while (this.handle && !this.closed && this.running < this.concurrency && this.waiting.length > 0) {
      const { runId, attempt } = this.waiting.shift()!;
      this.running++;
      this.handle(runId, attempt)
        .catch((error: unknown) => this.logger.error({ err: error, runId }, 'pipeline run crashed'))
        .finally(() => {
          this.held.delete(`${runId}/${attempt}`);
          this.running--;
          if (this.running === 0) for (const resolve of this.idle) resolve();
          this.pump();
        });
    }
  }

  /** Stops taking runs and waits for the running ones; what still waits is queued again at the next start. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.running > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
  }
}
