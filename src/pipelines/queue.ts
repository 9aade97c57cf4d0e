import { type Logger } from '../logger.js';

/** Where queued runs wait for a runner. Delivery is at least once: the executor makes a run idempotent. */
export interface RunQueue {
  add(runId: string): Promise<void>;
  /** Starts taking runs; `handle` resolves when the run is over (whatever its outcome). */
  start(handle: (runId: string) => Promise<void>): void;
  close(): Promise<void>;
}

/** The default: runs wait in memory and run in this process, `concurrency` at a time. */
export class InProcessQueue implements RunQueue {
  private readonly waiting: string[] = [];
  private readonly queued = new Set<string>();
  private running = 0;
  private handle: ((runId: string) => Promise<void>) | null = null;
  private closed = false;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly concurrency: number,
    private readonly logger: Logger,
  ) {}

  async add(runId: string): Promise<void> {
    if (this.closed || this.queued.has(runId)) return;
    this.queued.add(runId);
    this.waiting.push(runId);
    this.pump();
  }

  start(handle: (runId: string) => Promise<void>): void {
    this.handle = handle;
    this.pump();
  }

  private pump(): void {
    while (this.handle && !this.closed && this.running < this.concurrency && this.waiting.length > 0) {
      const runId = this.waiting.shift()!;
      this.queued.delete(runId);
      this.running++;
      this.handle(runId)
        .catch((error: unknown) => this.logger.error({ err: error, runId }, 'pipeline run crashed'))
        .finally(() => {
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
