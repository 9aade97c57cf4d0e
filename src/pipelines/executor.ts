import { type Catalog, type CatalogEntry, claimOnce } from '../datasources/catalog/catalog.js';
import { type RunChanges, type RunRecord, type RunStore, type StepRun } from '../datasources/catalog/runs.js';
import { type RawStore } from '../datasources/rawstore/raw-store.js';
import { ErrorCode } from '../errors/codes.js';
import { LakegateError } from '../errors/errors.js';
import { type IngestionFeed, type NewEvent } from '../ingestion/feed.js';
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

const END_EVENTS = {
  SUCCEEDED: 'PIPELINE_SUCCEEDED',
  FAILED: 'PIPELINE_FAILED',
  CANCELLED: 'PIPELINE_CANCELLED',
} as const;

/**
 * A runner's writes to the run it holds: one at a time (on FerretDB an update is a read then a write, so
 * a lease renewal alongside a step's update could undo it), and only while it holds the run (RUNNING, at
 * its attempt): once the sweep has given the run to another runner, null.
 */
class HeldRun {
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: RunStore,
    readonly run: RunRecord,
  ) {}

  update(changes: RunChanges): Promise<RunRecord | null> {
    const next = this.last.then(() =>
      this.store.updateRun(this.run.runId, ['RUNNING'], changes, { attempt: this.run.attempt }),
    );
    this.last = next.catch(() => {});
    return next;
  }
}

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

  /** Runs the run at that attempt (any attempt without one: a job queued by an earlier version). */
  async execute(runId: string, attempt?: number): Promise<void> {
    const { catalog } = this.d;
    const definition = await catalog
      .runs([runId])
      .then(([r]) => r && this.d.definitions.pipelines[r.pipeline]);
    const now = new Date();
    const claim = {
      status: 'RUNNING' as const,
      startedAt: now,
      finishedAt: null,
      error: null,
      leaseUntil: new Date(now.getTime() + this.d.leaseMs),
      // The first step starts with the claim: one catalog write less per run.
      steps: (definition?.steps ?? []).map((s, i) => ({
        ...freshStep(s.step),
        ...(i === 0 && { status: 'RUNNING' as const, startedAt: now }),
      })),
    };
    const run = await catalog.updateRun(runId, ['QUEUED'], claim, attempt === undefined ? {} : { attempt });
    if (!run) return; // taken by another runner, cancelled, a later attempt, or gone
    const held = new HeldRun(this.d.catalog, run);
    const controller = new AbortController();
    this.active.set(runId, controller);
    const lease = setInterval(() => void this.renew(held, controller), Math.max(this.d.leaseMs / 3, 200));
    try {
      await this.runSteps(held, controller.signal);
    } finally {
      clearInterval(lease);
      this.active.delete(runId);
    }
  }

  private async renew(held: HeldRun, controller: AbortController): Promise<void> {
    const renewed = await held
      .update({ leaseUntil: new Date(Date.now() + this.d.leaseMs) })
      .catch((error: unknown) => {
        this.d.logger.warn({ err: error, runId: held.run.runId }, 'run lease not renewed');
        return held.run;
      });
    if (!renewed || renewed.cancelRequested) controller.abort(new Cancelled('cancelled'));
  }

  private async runSteps(held: HeldRun, signal: AbortSignal): Promise<void> {
    const { run } = held;
    const { catalog, feed } = this.d;
    const [entry] = await catalog.entries(run.project, [run.objectId]);
    const base = {
      project: run.project,
      objectId: run.objectId,
      runId: run.runId,
      uploadId: entry?.uploadId ?? run.runId,
    };
    // Events along the way are not awaited: the feed writes them in order before the run's last one.
    const event = (type: NewEvent['type'], extra: object = {}) => feed.tell({ ...base, type, ...extra });
    // A finished run keeps a lease until its end is reported: the sweep reports it if this process dies.
    const reportBy = () => new Date(Date.now() + this.d.leaseMs);
    void event('PIPELINE_STARTED', { message: run.pipeline });
    const steps = [...run.steps];
    for (let i = 0; i < steps.length; i++) {
      const name = steps[i]!.name;
      const last = i === steps.length - 1;
      if (i > 0) {
        steps[i] = { ...steps[i]!, status: 'RUNNING', startedAt: new Date() };
        await held.update({ steps });
      }
      try {
        if (signal.aborted || run.cancelRequested) throw new Cancelled('cancelled');
        const result = await this.runStep(run, entry, i, signal, (message, count) =>
          event('STEP_PROGRESS', { step: name, message, bytes: count ?? null }),
        );
        steps[i] = { ...steps[i]!, status: 'SUCCEEDED', finishedAt: new Date(), ...result };
        const updated = await held.update(
          last ? { steps, status: 'SUCCEEDED', finishedAt: new Date(), leaseUntil: reportBy() } : { steps },
        );
        if (!updated) return; // another runner has the run now, and reports it
        await this.recordOperation(run, name, true, result.message);
        void event('STEP_SUCCEEDED', { step: name, message: result.message, bytes: result.count });
      } catch (error) {
        const cancelled =
          error instanceof Cancelled || (signal.aborted && signal.reason instanceof Cancelled);
        const code = cancelled ? 'CANCELLED' : failureCode(error);
        const message = error instanceof Error ? error.message : String(error);
        const status = cancelled ? 'CANCELLED' : 'FAILED';
        steps[i] = { ...steps[i]!, status, finishedAt: new Date(), message };
        const updated = await held.update({
          status,
          steps,
          finishedAt: new Date(),
          leaseUntil: reportBy(),
          error: { code, message, step: name },
        });
        if (!updated) return;
        await this.recordOperation(run, name, false, `${code}: ${message}`);
        if (!cancelled) void event('STEP_FAILED', { step: name, code, message });
        await this.reportEnd(updated, { ...base, type: END_EVENTS[status], code, message });
        if (!cancelled && code === ErrorCode.INTERNAL_SERVER_ERROR)
          this.d.logger.error({ err: error, runId: run.runId, step: name }, 'pipeline step failed');
        return;
      }
    }
    await this.reportEnd(
      { ...run, status: 'SUCCEEDED' },
      { ...base, type: 'PIPELINE_SUCCEEDED', message: run.pipeline },
    );
  }

  /** Tells a finished run's last event, then drops the lease it kept until then. */
  private async reportEnd(run: RunRecord, event: NewEvent): Promise<void> {
    try {
      await this.d.feed.publish(event);
      await this.d.catalog.updateRun(run.runId, [run.status], { leaseUntil: null }, { attempt: run.attempt });
    } catch (error) {
      this.d.logger.warn({ err: error, runId: run.runId }, 'end of run not reported; the sweep will');
    }
  }

  /**
   * For a finished run whose runner died before reporting it (its lease has passed): records and tells
   * what the operations and the feed lack: its start, its steps' ends and its own.
   */
  async reportFinished(seen: RunRecord): Promise<void> {
    const { catalog, feed } = this.d;
    // Claimed, and taken from the lease as seen: two sweeping gateways do not both report the run.
    const step = `report/${seen.runId}/${seen.attempt}`;
    if (!(await claimOnce(catalog, step, seen.leaseUntil!, this.d.leaseMs))) return;
    const run = await catalog.updateRun(
      seen.runId,
      [seen.status],
      { leaseUntil: new Date(Date.now() + this.d.leaseMs) },
      { attempt: seen.attempt, lastModified: seen.lastModified },
    );
    if (!run) return;
    const [entry] = await catalog.entries(run.project, [run.objectId]);
    const uploadId = entry?.uploadId ?? run.runId;
    const told = (await feed.history(run.project, uploadId)).filter((e) => e.runId === run.runId);
    const recorded = [...(entry?.successfulOperations ?? []), ...(entry?.failedOperations ?? [])].filter(
      (o) => o.runId === run.runId,
    );
    const base = { project: run.project, objectId: run.objectId, runId: run.runId, uploadId };
    const code = run.error?.code ?? null;
    if (!told.some((e) => e.type === 'PIPELINE_STARTED'))
      await feed.publish({ ...base, type: 'PIPELINE_STARTED', message: run.pipeline });
    for (const step of run.steps) {
      const ok = step.status === 'SUCCEEDED';
      if (!ok && step.status !== 'FAILED' && step.status !== 'CANCELLED') continue;
      if (!recorded.some((o) => o.operation === `${run.pipeline}/${step.name}`)) {
        await this.recordOperation(
          run,
          step.name,
          ok,
          ok ? (step.message ?? '') : `${code}: ${step.message}`,
        );
      }
      const type = ok ? 'STEP_SUCCEEDED' : 'STEP_FAILED';
      if (step.status !== 'CANCELLED' && !told.some((e) => e.type === type && e.step === step.name)) {
        await feed.publish({
          ...base,
          type,
          step: step.name,
          message: step.message,
          ...(ok ? { bytes: step.count } : { code }),
        });
      }
    }
    const end = END_EVENTS[run.status as keyof typeof END_EVENTS];
    if (told.some((e) => e.type === end)) {
      await catalog.updateRun(run.runId, [run.status], { leaseUntil: null }, { attempt: run.attempt });
    } else {
      const message = run.status === 'SUCCEEDED' ? run.pipeline : (run.error?.message ?? null);
      await this.reportEnd(run, { ...base, type: end, code, message });
    }
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
