import { Queue, Worker } from 'bullmq';
import { guard } from '../datasources/guard.js';
import { type Logger } from '../logger.js';
import { type RunQueue } from './queue.js';

function connectionOptions(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // A worker waits for Redis to come back rather than failing its blocking commands.
    maxRetriesPerRequest: null,
  };
}

/**
 * A queue shared by the gateways of one catalog (`name` comes from it): any of them runs a queued run.
 * A job only names a run; the run record decides whether there is anything to do, so a job delivered
 * twice, or added again by the sweep, runs nothing twice.
 */
export class BullMqQueue implements RunQueue {
  private readonly queue: Queue;
  private worker: Worker | null = null;

  constructor(
    private readonly name: string,
    private readonly redisUrl: string,
    private readonly concurrency: number,
    private readonly addTimeoutMs: number,
    private readonly logger: Logger,
  ) {
    // Adding fails at once while Redis is away instead of waiting for it: the run stays QUEUED in the
    // catalog and the sweep queues it again later, so an upload never waits for Redis.
    this.queue = new Queue(name, {
      connection: { ...connectionOptions(redisUrl), enableOfflineQueue: false },
    });
    this.queue.on('error', (error) => this.logger.warn({ err: error }, 'run queue error'));
  }

  /** SOURCE_UNAVAILABLE (broker) when Redis is down, or has not been reached yet since start-up. */
  async add(runId: string): Promise<void> {
    await guard('broker', this.addTimeoutMs, () =>
      this.queue.add('run', { runId }, { removeOnComplete: true, removeOnFail: 1000 }),
    );
  }

  start(handle: (runId: string) => Promise<void>): void {
    this.worker = new Worker(this.name, (job) => handle((job.data as { runId: string }).runId), {
      connection: connectionOptions(this.redisUrl),
      concurrency: this.concurrency,
    });
    this.worker.on('error', (error) => this.logger.warn({ err: error }, 'run worker error'));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
