import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { type IngestionEventRecord } from '../../src/datasources/catalog/catalog.js';
import { BUILT_IN_PIPELINES } from '../../src/pipelines/definitions.js';
import { RunExecutor } from '../../src/pipelines/executor.js';
import { InProcessQueue } from '../../src/pipelines/queue.js';
import { PipelineRuns } from '../../src/pipelines/runs.js';
import { type Step, type StepContext } from '../../src/pipelines/step.js';
import { BadInputError } from '../../src/errors/errors.js';
import { LAKE_BACKENDS } from '../helpers/backends.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createProject, uploadFile } from '../helpers/lake.js';

const logger = pino({ level: 'silent' });

/** A gold store in memory, keyed like the real steps key their records: by run and object. */
class RecordingStep implements Step {
  readonly name = 'json-to-influx';
  readonly written = new Map<string, number>();
  executions = 0;
  fail: string | null = null;
  block = false;

  async run(context: StepContext) {
    this.executions++;
    if (this.fail) throw new BadInputError(this.fail);
    if (this.block) {
      await new Promise((_, reject) =>
        context.signal.addEventListener('abort', () => reject(context.signal.reason)),
      );
    }
    this.written.set(`${context.runId}/${context.entry.objectId}`, 3);
    context.progress('batch 1', 3);
    return { count: 3, message: '3 points' };
  }
}

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const backend of [LAKE_BACKENDS[0]!, LAKE_BACKENDS[2]!]) {
  describe(`pipeline runs: ${backend.name}`, () => {
    let gateway: TestGateway;
    let step: RecordingStep;
    let runs: PipelineRuns;
    let project: string;

    const uploadJson = async (name: string, content = `[{"t":"${name}"}]`) => {
      const { body } = await uploadFile(
        gateway,
        { project },
        { name, type: 'application/json', content: Buffer.from(content) },
      );
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      return body.data!.uploadFile.object.objectId;
    };
    const runOf = async (runId: string) => (await gateway.services.catalog.runs([runId]))[0]!;
    const finished = (runId: string) =>
      until(async () => {
        const run = await runOf(runId);
        // A finished run keeps its lease until its runner has reported the end (events, operations).
        return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status) && run.leaseUntil === null && run;
      }, `run ${runId} to finish and be reported`);
    const eventsOf = async (runId: string): Promise<IngestionEventRecord[]> =>
      (await gateway.services.catalog.after(project, 0, null, 1000)).filter((e) => e.runId === runId);

    before(async () => {
      gateway = await startTestGateway(backend.env());
      // This suite drives its own runner, with a step it can watch; the gateway's is stopped.
      await gateway.services.pipelines.close();
      step = new RecordingStep();
      const { catalog, feed, raw } = gateway.services;
      const executor = new RunExecutor({
        catalog,
        raw,
        feed,
        steps: new Map([[step.name, step]]),
        definitions: BUILT_IN_PIPELINES,
        leaseMs: 1000,
        progressIntervalMs: 0,
        logger,
      });
      const settings = { leaseMs: 1000, sweepIntervalMs: 60_000 };
      runs = new PipelineRuns(
        catalog,
        feed,
        new InProcessQueue(2, logger),
        executor,
        BUILT_IN_PIPELINES,
        settings,
        logger,
      );
      runs.start();
      project = await createProject(gateway);
    });
    after(async () => {
      await runs.close();
      await gateway.close();
    });

    it('runs the pipeline the rules choose, records each step on the run and the entry, and reports it', async () => {
      const objectId = await uploadJson('a.json');
      const { run, replayed } = await runs.trigger(project, objectId, null);
      assert.deepEqual([run.pipeline, run.status, replayed], ['timeseries', 'QUEUED', false]);
      const done = await finished(run.runId);
      assert.equal(done.status, 'SUCCEEDED');
      assert.deepEqual(
        done.steps.map((s) => [s.name, s.status, s.count]),
        [['json-to-influx', 'SUCCEEDED', 3]],
      );
      const [entry] = await gateway.services.catalog.entries(project, [objectId]);
      const op = entry!.successfulOperations.at(-1)!;
      assert.deepEqual(
        [op.operation, op.runId, op.message],
        ['timeseries/json-to-influx', run.runId, '3 points'],
      );
      assert.deepEqual(
        (await eventsOf(run.runId)).map((e) => e.type),
        ['PIPELINE_QUEUED', 'PIPELINE_STARTED', 'STEP_PROGRESS', 'STEP_SUCCEEDED', 'PIPELINE_SUCCEEDED'],
      );
    });

    it('answers a second trigger of the same object version with the same run, and runs it once', async () => {
      const objectId = await uploadJson('b.json');
      const before = step.executions;
      const first = await runs.trigger(project, objectId, 'timeseries');
      await finished(first.run.runId);
      const second = await runs.trigger(project, objectId, 'timeseries');
      assert.deepEqual([second.run.runId, second.replayed], [first.run.runId, true]);
      assert.equal(step.executions - before, 1);
    });

    it('fails a run with the step error on the run and in failedOperations, and a retry writes nothing twice', async () => {
      const objectId = await uploadJson('c.json');
      step.fail = 'record 0 has no field t';
      const { run } = await runs.trigger(project, objectId, null);
      const failed = await finished(run.runId);
      assert.deepEqual(failed.error, {
        code: 'BAD_USER_INPUT',
        message: 'record 0 has no field t',
        step: 'json-to-influx',
      });
      const [entry] = await gateway.services.catalog.entries(project, [objectId]);
      assert.match(entry!.failedOperations.at(-1)!.message!, /BAD_USER_INPUT: record 0 has no field t/);
      assert.deepEqual((await eventsOf(run.runId)).map((e) => e.type).slice(-2), [
        'STEP_FAILED',
        'PIPELINE_FAILED',
      ]);

      step.fail = null;
      const retried = await runs.retry(run.runId);
      assert.deepEqual([retried.runId, retried.attempt], [run.runId, 2]);
      assert.equal((await finished(run.runId)).status, 'SUCCEEDED');
      await assert.rejects(runs.retry(run.runId), /only a FAILED or CANCELLED run is retried/);
      const keys = [...step.written.keys()].filter((k) => k.startsWith(run.runId));
      assert.deepEqual(keys, [`${run.runId}/${objectId}`], 'one set of records per run and object');
    });

    it('cancels a running run between batches', async () => {
      const objectId = await uploadJson('d.json');
      step.block = true;
      const { run } = await runs.trigger(project, objectId, null);
      await until(async () => (await runOf(run.runId)).status === 'RUNNING', 'the run to start');
      const cancelling = await runs.cancel(run.runId);
      assert.equal(cancelling.cancelRequested, true);
      const done = await finished(run.runId);
      step.block = false;
      assert.deepEqual([done.status, done.error?.code], ['CANCELLED', 'CANCELLED']);
      assert.equal((await eventsOf(run.runId)).at(-1)!.type, 'PIPELINE_CANCELLED');
      await assert.rejects(runs.cancel(run.runId), /is CANCELLED already/);
    });

    it('queues again a run whose runner stopped renewing its claim, as its next attempt', async () => {
      const objectId = await uploadJson('e.json');
      const { run } = await runs.trigger(project, objectId, null);
      await finished(run.runId);
      // As a runner that died: claimed, lease long gone.
      const stale = await gateway.services.catalog.updateRun(run.runId, ['SUCCEEDED'], {
        status: 'RUNNING',
        leaseUntil: new Date(Date.now() - 5000),
      });
      assert.ok(stale);
      await runs.sweep();
      const recovered = await finished(run.runId);
      assert.deepEqual([recovered.status, recovered.attempt], ['SUCCEEDED', 2]);
    });
  });
}
