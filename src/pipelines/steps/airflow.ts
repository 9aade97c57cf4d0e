import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { type Airflow, AirflowRefusal, type DagRun } from '../../datasources/airflow/airflow.client.js';
import { ErrorCode } from '../../errors/codes.js';
import { BadInputError, LakegateError } from '../../errors/errors.js';
import { type Step, type StepContext, type StepResult } from '../step.js';

/** Airflow's own rule for DAG ids. */
const DAG_ID = /^[A-Za-z0-9_.-]{1,250}$/;
/** Airflow's default `allowed_run_id_pattern`. */
const RUN_ID = /^[A-Za-z0-9_.~:+-]+$/;
/** Keys of the conf the step fills in itself: a pipeline cannot change an object's lineage. */
const RESERVED = ['project', 'objectId', 'runId', 'key', 'contentType', 'size', 'sha256'] as const;

const options = z.object({
  dagId: z.string({ required_error: 'is missing', invalid_type_error: 'expected a string' }).regex(DAG_ID, {
    message: 'expected 1 to 250 letters, digits, ".", "-" or "_"',
  }),
  conf: z
    .record(z.unknown(), { invalid_type_error: 'expected an object' })
    .refine((conf) => !RESERVED.some((k) => k in conf), {
      message: `may not set ${RESERVED.join(', ')}: the step sets them`,
    })
    .optional(),
});

export type AirflowStepOptions = z.infer<typeof options>;

export function parseAirflowOptions(value: Record<string, unknown>): AirflowStepOptions {
  const parsed = options.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const argument = ['options', ...issue.path].join('.');
  throw new BadInputError(`airflow step: ${argument} ${issue.message}`, { argument });
}

/**
 * The DAG run id of a step run: the same for every attempt of one run, so a retried step finds the run
 * an earlier attempt started instead of starting a second one.
 */
export function dagRunIdOf(runId: string): string {
  const id = `lakegate__${runId}`;
  if (RUN_ID.test(runId) && id.length <= 200) return id;
  return `lakegate__sha256_${createHash('sha256').update(runId).digest('hex')}`;
}

function isFinished(run: DagRun): boolean {
  return run.state === 'success' || run.state === 'failed';
}

/**
 * Triggers an Airflow DAG run for the object (its lineage and key in `dag_run.conf`, with the step's
 * own `conf`) and waits for it to end. A retry follows the run an earlier attempt started; a run that
 * had failed is cleared and runs again, still as one DAG run.
 */
export class AirflowStep implements Step {
  readonly name = 'airflow';

  constructor(
    private readonly airflow: Airflow,
    private readonly pollIntervalMs = 2000,
  ) {}

  async run(ctx: StepContext): Promise<StepResult> {
    const { dagId, conf = {} } = parseAirflowOptions(ctx.options);
    const dagRunId = dagRunIdOf(ctx.runId);
    const log = ctx.logger.child({ step: this.name, dagId, dagRunId });

    const paused = await this.airflow.isPaused(dagId);
    if (paused === null) {
      throw new BadInputError(`airflow step: Airflow has no DAG "${dagId}"`, { argument: 'options.dagId' });
    }
    if (paused) {
      await this.airflow.unpause(dagId);
      log.info('DAG unpaused');
    }
    ctx.signal.throwIfAborted();

    let run = await this.start(ctx, dagId, dagRunId, conf);
    if (!run) {
      run = await this.existing(dagId, dagRunId);
      log.info({ state: run.state }, 'following the DAG run of an earlier attempt');
      if (run.state === 'failed') {
        await this.airflow.rerun(dagId, dagRunId);
        log.info('DAG run had failed: cleared to run again');
        run = await this.existing(dagId, dagRunId);
      }
    }
    run = await this.waitForEnd(ctx, run);

    if (run.state === 'success') {
      return { count: 1, message: `Airflow DAG run ${dagRunId} of ${dagId} succeeded` };
    }
    const failed = (await this.airflow.taskInstances(dagId, dagRunId))
      .filter((t) => t.state === 'failed' || t.state === 'upstream_failed')
      .map((t) => t.taskId);
    throw new LakegateError(
      ErrorCode.STEP_FAILED,
      `Airflow DAG run ${dagRunId} of ${dagId} failed` +
        (failed.length ? ` (failed tasks: ${failed.join(', ')})` : ''),
      { step: this.name, dagId, dagRunId },
    );
  }

  private async start(
    ctx: StepContext,
    dagId: string,
    dagRunId: string,
    conf: Record<string, unknown>,
  ): Promise<DagRun | null> {
    const { entry } = ctx;
    const full = {
      ...conf,
      project: ctx.project,
      objectId: entry.objectId,
      runId: ctx.runId,
      key: entry.key,
      contentType: entry.contentType,
      size: entry.size,
      sha256: entry.sha256,
    };
    try {
      return await this.airflow.trigger(dagId, dagRunId, full);
    } catch (error) {
      if (error instanceof AirflowRefusal) {
        throw new BadInputError(`airflow step: Airflow refused to start DAG ${dagId}: ${error.detail}`, {
          argument: error.status === 404 ? 'options.dagId' : 'options.conf',
        });
      }
      throw error;
    }
  }

  private async existing(dagId: string, dagRunId: string): Promise<DagRun> {
    const run = await this.airflow.dagRun(dagId, dagRunId);
    // Airflow said the id was taken a moment ago: a run gone since was deleted by someone, mid-step.
    if (!run)
      throw new LakegateError(ErrorCode.CONFLICT, `Airflow DAG run ${dagRunId} was deleted meanwhile`);
    return run;
  }

  /** Polls the run until it ends, reporting each new state; when the run is cancelled, fails the DAG run. */
  private async waitForEnd(ctx: StepContext, first: DagRun): Promise<DagRun> {
    let run = first;
    let reported: string | null = null;
    try {
      for (;;) {
        if (run.state !== reported) {
          ctx.progress(`Airflow DAG run ${run.dagRunId}: ${run.state}`);
          reported = run.state;
        }
        if (isFinished(run)) return run;
        ctx.signal.throwIfAborted();
        await sleep(this.pollIntervalMs, undefined, { signal: ctx.signal });
        run = await this.existing(run.dagId, run.dagRunId);
      }
    } catch (error) {
      if (!ctx.signal.aborted) throw error;
      await this.airflow.markFailed(run.dagId, run.dagRunId).then(
        () => ctx.logger.info({ dagRunId: run.dagRunId }, 'run cancelled: DAG run marked failed'),
        (failure: unknown) =>
          ctx.logger.warn({ err: failure }, 'run cancelled, but the DAG run could not be marked failed'),
      );
      ctx.signal.throwIfAborted();
      throw error;
    }
  }
}
