import { type Catalog, type CatalogEntry } from '../datasources/catalog/catalog.js';
import { type RunRecord, type RunStore, type StepRun } from '../datasources/catalog/runs.js';
import { type RawStore } from '../datasources/rawstore/raw-store.js';
import { ErrorCode } from '../errors/codes.js';
import { LakegateError } from '../errors/errors.js';
import { type IngestionFeed } from '../ingestion/feed.js';
import { failureCode } from '../ingestion/lifecycle.js';
import { type Logger } from '../logger.js';
import { type PipelineDefinitions } from './definitions.js';
import { type Step } from './step.js';

export interface ExecutorDependencies {
  catalog: Catalog & RunStore;
  raw: RawStore;
  feed: IngestionFeed;
  steps: Map<string, Step>;
  definitions: PipelineDefinitions;
  /** How long a RUNNING run stays claimed without its runner renewing the claim. */
  leaseMs: number;
  /** Least time between two STEP_PROGRESS events of a run. */
  progressIntervalMs: number;
  logger: Logger;
}

/** The store each step needs, for the error a run gets when it is not configured. */
const STEP_SOURCES: Record<string, string> = {
  'json-to-influx': 'timeseries',
  'image-to-neo4j': 'graph',
  'csv-to-cassandra': 'tables',
  airflow: 'airflow',
};

class Cancelled extends Error {}

/**
 * Runs one queued run: claims it (QUEUED → RUNNING, so a run delivered twice executes once), runs its
 * steps in order, records each step on the run and on the entry's operations, and reports every step
 * on the ingestion feed. A claim is a lease the runner renews; a cancel request aborts at the next renewal.
 */
export class RunExecutor {
  private readonly active = new Map<string, AbortController>();

  constructor(private readonly d: ExecutorDependencies) {}

  /** Aborts a run this process executes; false when it runs elsewhere (the lease renewal will see it). */
  abort(runId: string): boolean {
    const controller = this.active.get(runId);
    controller?.abort(new Cancelled('cancelled'));
    return controller !== undefined;
  }

  async execute(runId: string): Promise<void> {
    const { catalog } = this.d;
    const definition = await catalog
      .runs([runId])
      .then(([r]) => r && this.d.definitions.pipelines[r.pipeline]);
    const now = new Date();
    const run = await catalog.updateRun(runId, ['QUEUED'], {
      status: 'RUNNING',
      startedAt: now,
      finishedAt: null,
      error: null,
      leaseUntil: new Date(now.getTime() + this.d.leaseMs),
      // The first step starts with the claim: one catalog write less per run.
      steps: (definition?.steps ?? []).map((s, i) => ({
        ...freshStep(s.step),
        ...(i === 0 && { status: 'RUNNING' as const, startedAt: now }),
      })),
    });
    if (!run) return; // taken by another runner, cancelled, or gone
    const controller = new AbortController();
    this.active.set(runId, controller);
    const lease = setInterval(() => void this.renew(run, controller), Math.max(this.d.leaseMs / 3, 200));
    try {
      await this.runSteps(run, controller.signal);
    } finally {
      clearInterval(lease);
      this.active.delete(runId);
    }
  }

  private async renew(run: RunRecord, controller: AbortController): Promise<void> {
    const renewed = await this.d.catalog
      .updateRun(run.runId, ['RUNNING'], { leaseUntil: new Date(Date.now() + this.d.leaseMs) })
      .catch((error: unknown) => {
        this.d.logger.warn({ err: error, runId: run.runId }, 'run lease not renewed');
        return run;
      });
    if (!renewed || renewed.cancelRequested) controller.abort(new Cancelled('cancelled'));
  }

  private async runSteps(run: RunRecord, signal: AbortSignal): Promise<void> {
    const { catalog, feed } = this.d;
    const base = { project: run.project, objectId: run.objectId, runId: run.runId };
    const [entry] = await catalog.entries(run.project, [run.objectId]);
    // Events along the way are not awaited: the feed writes them in order before the run's last one.
    const event = (type: Parameters<IngestionFeed['tell']>[0]['type'], extra: object = {}) =>
      feed.tell({ ...base, uploadId: entry?.uploadId ?? run.runId, type, ...extra });
    void event('PIPELINE_STARTED', { message: run.pipeline });
    const steps = [...run.steps];
    for (let i = 0; i < steps.length; i++) {
      const name = steps[i]!.name;
      const last = i === steps.length - 1;
      if (i > 0) {
        steps[i] = { ...steps[i]!, status: 'RUNNING', startedAt: new Date() };
        await catalog.updateRun(run.runId, ['RUNNING'], { steps });
      }
      try {
        if (signal.aborted || run.cancelRequested) throw new Cancelled('cancelled');
        const result = await this.runStep(run, entry, i, signal, (message, count) =>
          event('STEP_PROGRESS', { step: name, message, bytes: count ?? null }),
        );
        steps[i] = { ...steps[i]!, status: 'SUCCEEDED', finishedAt: new Date(), ...result };
        await catalog.updateRun(
          run.runId,
          ['RUNNING'],
          last ? { steps, status: 'SUCCEEDED', finishedAt: new Date(), leaseUntil: null } : { steps },
        );
        await this.recordOperation(run, name, true, result.message);
        void event('STEP_SUCCEEDED', { step: name, message: result.message, bytes: result.count });
      } catch (error) {
        const cancelled =
          error instanceof Cancelled || (signal.aborted && signal.reason instanceof Cancelled);
        const code = cancelled ? 'CANCELLED' : failureCode(error);
        const message = error instanceof Error ? error.message : String(error);
        steps[i] = {
          ...steps[i]!,
          status: cancelled ? 'CANCELLED' : 'FAILED',
          finishedAt: new Date(),
          message,
        };
        await catalog.updateRun(run.runId, ['RUNNING'], {
          status: cancelled ? 'CANCELLED' : 'FAILED',
          steps,
          finishedAt: new Date(),
          leaseUntil: null,
          error: { code, message, step: name },
        });
        await this.recordOperation(run, name, false, `${code}: ${message}`);
        if (!cancelled) void event('STEP_FAILED', { step: name, code, message });
        await event(cancelled ? 'PIPELINE_CANCELLED' : 'PIPELINE_FAILED', { code, message });
        if (!cancelled && code === ErrorCode.INTERNAL_SERVER_ERROR)
          this.d.logger.error({ err: error, runId: run.runId, step: name }, 'pipeline step failed');
        return;
      }
    }
    await event('PIPELINE_SUCCEEDED', { message: run.pipeline });
  }

  private async runStep(
    run: RunRecord,
    entry: CatalogEntry | null | undefined,
    index: number,
    signal: AbortSignal,
    report: (message: string, count?: number) => Promise<void>,
  ) {
    if (!entry || entry.status !== 'STORED') {
      throw new LakegateError(ErrorCode.NOT_FOUND, `object ${run.objectId} of ${run.project} is not stored`);
    }
    const definition = this.d.definitions.pipelines[run.pipeline]!.steps[index]!;
    const step = this.d.steps.get(definition.step);
    if (!step) {
      const source = STEP_SOURCES[definition.step] ?? definition.step;
      throw new LakegateError(
        ErrorCode.SOURCE_NOT_CONFIGURED,
        `step ${definition.step} needs the ${source} store, which is not configured`,
        { source },
      );
    }
    let lastProgress = 0;
    return step.run({
      project: run.project,
      entry,
      runId: run.runId,
      options: definition.options,
      open: () => this.d.raw.get(run.project, entry.key),
      signal,
      progress: (message, count) => {
        if (Date.now() - lastProgress < this.d.progressIntervalMs) return;
        lastProgress = Date.now();
        void report(message, count);
      },
      logger: this.d.logger.child({ runId: run.runId, step: definition.step }),
    });
  }

  private async recordOperation(run: RunRecord, step: string, ok: boolean, message: string): Promise<void> {
    const operation = { at: new Date(), operation: `${run.pipeline}/${step}`, runId: run.runId, message };
    await this.d.catalog
      .transition(run.project, run.objectId, 'STORED', ok ? { succeeded: operation } : { failed: operation })
      .catch((error: unknown) =>
        this.d.logger.warn({ err: error, runId: run.runId }, 'operation not recorded on the entry'),
      );
  }
}

function freshStep(name: string): StepRun {
  return { name, status: 'QUEUED', startedAt: null, finishedAt: null, count: null, message: null };
}
