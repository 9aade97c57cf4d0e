import { createHash } from 'node:crypto';
import { type Catalog, claimOnce, DuplicateKeyError } from '../datasources/catalog/catalog.js';
import { type RunRecord, type RunStore } from '../datasources/catalog/runs.js';
import { ErrorCode } from '../errors/codes.js';
import { BadInputError, LakegateError, NotFoundError } from '../errors/errors.js';
import { type IngestionFeed, type NewEvent } from '../ingestion/feed.js';
import { type Logger } from '../logger.js';
import { hasPipeline, type PipelineDefinitions, selectPipeline } from './definitions.js';
import { type RunExecutor } from './executor.js';
import { type RunQueue } from './queue.js';

/** One id per (project, object, object version, pipeline): retries and duplicates land on the same run. */
export function runIdOf(project: string, objectId: number, version: string, pipeline: string): string {
  return `run-${createHash('sha256').update(`${project}\n${objectId}\n${version}\n${pipeline}`).digest('hex').slice(0, 24)}`;
}

export interface TriggerOutcome {
  run: RunRecord;
  /** True when the run existed already (queued, running or succeeded) and nothing new was queued. */
  replayed: boolean;
}

/**
 * Pipeline runs: triggers (by a mutation or after an upload), retries and cancels, and a sweep that
 * queues again what a dead runner left behind. Runs are records in the catalog; the queue only says
 * which run to look at, so a lost or repeated queue message changes nothing.
 */
export class PipelineRuns {
  private sweeper: NodeJS.Timeout | undefined;
  private readonly pendingTriggers = new Set<NodeJS.Timeout>();
  private closed = false;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly catalog: Catalog & RunStore,
    private readonly feed: IngestionFeed,
    private readonly queue: RunQueue,
    private readonly executor: RunExecutor,
    readonly definitions: PipelineDefinitions,
    private readonly settings: { leaseMs: number; sweepIntervalMs: number },
    private readonly logger: Logger,
  ) {}

  /** Starts the runner (unless this gateway runs no pipelines) and the sweep. */
  start(runsPipelines = true): void {
    if (runsPipelines) this.queue.start((runId, attempt) => this.executor.execute(runId, attempt));
    const sweep = () =>
      this.sweep().catch((error: unknown) => this.logger.warn({ err: error }, 'run sweep failed'));
    void sweep();
    this.sweeper = setInterval(sweep, this.settings.sweepIntervalMs);
    this.sweeper.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const timer of this.pendingTriggers) clearTimeout(timer);
    await this.queue.close();
  }

  /** An object's dataProcessing value: `default` or the name of a pipeline. */
  checkDataProcessing(value: string): string {
    if (value !== 'default' && !hasPipeline(this.definitions, value))
      throw this.unknown(value, 'metadata.dataProcessing');
    return value;
  }

  private unknown(name: string, argument: string): BadInputError {
    const known = Object.keys(this.definitions.pipelines).sort().join(', ');
    return new BadInputError(`no pipeline ${name}; known: ${known}`, { argument });
  }

  /**
   * The pipeline an upload's entry gets automatically, if its project runs pipelines on upload; asked
   * again (the reconciler announcing an upload whose process died), the run it got. While a store it
   * needs is unavailable it is tried again in the background (after 2 s, doubling up to 30 s), so an
   * outage right after the entry became STORED does not lose the run; a restart of this gateway
   * meanwhile leaves it to the reconciler.
   */
  async afterUpload(project: string, objectId: number, attempt = 0): Promise<RunRecord | null> {
    try {
      const [entry] = await this.catalog.entries(project, [objectId]);
      const pipeline = entry && selectPipeline(this.definitions, entry);
      return pipeline ? (await this.trigger(project, objectId, pipeline, false)).run : null;
    } catch (error) {
      if (!(error instanceof LakegateError && error.code === ErrorCode.SOURCE_UNAVAILABLE) || this.closed)
        throw error;
      const delayMs = Math.min(2000 * 2 ** attempt, 30_000);
      this.logger.warn(
        { err: error, project, objectId, delayMs },
        'pipeline not triggered yet; trying again',
      );
      const timer = setTimeout(() => {
        this.pendingTriggers.delete(timer);
        this.afterUpload(project, objectId, attempt + 1).catch((e: unknown) =>
          this.logger.warn({ err: e, project, objectId }, 'pipeline not triggered'),
        );
      }, delayMs);
      this.pendingTriggers.add(timer);
      return null;
    }
  }

  /** Queues the run of an object and pipeline, or answers the one there is (retried if it failed). */
  async trigger(
    project: string,
    objectId: number,
    pipeline: string | null,
    retryFailed = true,
  ): Promise<TriggerOutcome> {
    const [entry] = await this.catalog.entries(project, [objectId]);
    if (!entry) throw new NotFoundError(`project ${project} has no object ${objectId}`);
    if (entry.status !== 'STORED' || !entry.sha256) {
      throw new LakegateError(ErrorCode.CONFLICT, `object ${objectId} is ${entry.status}, not STORED`);
    }
    const name = pipeline ?? selectPipeline(this.definitions, entry);
    if (!name)
      throw new BadInputError(`no pipeline rule matches object ${objectId}: name one`, {
        argument: 'pipeline',
      });
    if (!hasPipeline(this.definitions, name)) throw this.unknown(name, 'pipeline');
    const now = new Date();
    const run: RunRecord = {
      runId: runIdOf(project, objectId, entry.sha256, name),
      project,
      objectId,
      objectVersion: entry.sha256,
      pipeline: name,
      status: 'QUEUED',
      attempt: 1,
      steps: [],
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      lastModified: now,
      error: null,
      cancelRequested: false,
      leaseUntil: null,
    };
    try {
      await this.catalog.insertRun(run);
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
      const [existing] = await this.catalog.runs([run.runId]);
      if (retryFailed && existing && (existing.status === 'FAILED' || existing.status === 'CANCELLED')) {
        return { run: await this.retry(run.runId), replayed: false };
      }
      return { run: existing ?? run, replayed: true };
    }
    await this.enqueue(run, entry.uploadId);
    return { run, replayed: false };
  }

  /** Queues a FAILED or CANCELLED run again, as its next attempt. */
  async retry(runId: string): Promise<RunRecord> {
    const [current] = await this.catalog.runs([runId]);
    if (!current) throw new NotFoundError(`no run ${runId}`);
    const run = await this.catalog.updateRun(runId, ['FAILED', 'CANCELLED'], {
      status: 'QUEUED',
      attempt: current.attempt + 1,
      cancelRequested: false,
      error: null,
      finishedAt: null,
      leaseUntil: null,
    });
    if (!run)
      throw new LakegateError(
        ErrorCode.CONFLICT,
        `run ${runId} is ${current.status}: only a FAILED or CANCELLED run is retried`,
      );
    const [entry] = await this.catalog.entries(run.project, [run.objectId]);
    await this.enqueue(run, entry?.uploadId ?? run.runId);
    return run;
  }

  /** Cancels a queued run at once, a running one at its next step or lease renewal. */
  async cancel(runId: string): Promise<RunRecord> {
    const queued = await this.catalog.updateRun(runId, ['QUEUED'], {
      status: 'CANCELLED',
      finishedAt: new Date(),
      error: { code: 'CANCELLED', message: 'cancelled before it started', step: null },
    });
    if (queued) {
      const [entry] = await this.catalog.entries(queued.project, [queued.objectId]);
      await this.feed.tell({
        project: queued.project,
        objectId: queued.objectId,
        uploadId: entry?.uploadId ?? runId,
        runId,
        type: 'PIPELINE_CANCELLED',
      });
      return queued;
    }
    const running = await this.catalog.updateRun(runId, ['RUNNING'], { cancelRequested: true });
    if (running) {
      this.executor.abort(runId);
      return running;
    }
    const [current] = await this.catalog.runs([runId]);
    if (!current) throw new NotFoundError(`no run ${runId}`);
    throw new LakegateError(ErrorCode.CONFLICT, `run ${runId} is ${current.status} already`);
  }

  private async enqueue(run: RunRecord, uploadId: string): Promise<void> {
    await this.feed.tell(queuedEvent(run, uploadId));
    await this.queue.add(run.runId, run.attempt);
  }

  /**
   * RUNNING runs whose runner stopped renewing its lease go back to QUEUED as a new attempt; QUEUED runs
   * that waited a lease long and are not in the queue are queued again (their queue message, even their
   * PIPELINE_QUEUED event, may have been lost with a process); finished runs whose runner died before
   * reporting them are reported. Each change is conditional on the run being as it was read, so two
   * gateways sweeping at once change a run once, and a runner that just renewed its lease keeps its run.
   */
  sweep(): Promise<void> {
    // A sweep still running when the next is due is joined: one at a time in a process.
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    const now = new Date();
    const stale = await this.catalog.staleRuns(now, new Date(now.getTime() - this.settings.leaseMs), 100);
    for (const run of stale) {
      await this.sweepOne(run).catch((error: unknown) =>
        this.logger.warn({ err: error, runId: run.runId }, 'stale run not swept; next sweep retries'),
      );
    }
  }

  private async sweepOne(run: RunRecord): Promise<void> {
    const { leaseMs } = this.settings;
    const unchanged = { attempt: run.attempt, lastModified: run.lastModified };
    const step = `${run.runId}/${run.attempt}`;
    if (run.status === 'RUNNING') {
      if (!(await claimOnce(this.catalog, `requeue/${step}`, run.leaseUntil!, leaseMs))) return;
      const requeued = await this.catalog.updateRun(
        run.runId,
        ['RUNNING'],
        { status: 'QUEUED', attempt: run.attempt + 1, leaseUntil: null },
        unchanged,
      );
      if (requeued) {
        this.logger.info({ runId: run.runId, attempt: requeued.attempt }, 'pipeline run queued again');
        await this.queue.add(requeued.runId, requeued.attempt);
      }
    } else if (run.status === 'QUEUED') {
      // Left alone while its attempt is in the queue: a write could undo a runner's claim on FerretDB.
      if (await this.queue.has(run.runId, run.attempt)) return;
      if (!(await claimOnce(this.catalog, `queue/${step}`, run.lastModified, leaseMs))) return;
      const touched = await this.catalog.updateRun(run.runId, ['QUEUED'], {}, unchanged);
      if (touched) {
        await this.tellQueuedOnce(touched);
        await this.queue.add(touched.runId, touched.attempt);
      }
    } else {
      await this.executor.reportFinished(run);
    }
  }

  private async tellQueuedOnce(run: RunRecord): Promise<void> {
    const [entry] = await this.catalog.entries(run.project, [run.objectId]);
    const uploadId = entry?.uploadId ?? run.runId;
    const events = await this.feed.history(run.project, uploadId);
    if (!events.some((e) => e.runId === run.runId && e.type === 'PIPELINE_QUEUED')) {
      await this.feed.publish(queuedEvent(run, uploadId));
    }
  }
}

function queuedEvent(run: RunRecord, uploadId: string): NewEvent {
  return {
    project: run.project,
    objectId: run.objectId,
    uploadId,
    runId: run.runId,
    type: 'PIPELINE_QUEUED',
    message: run.pipeline,
  };
}
