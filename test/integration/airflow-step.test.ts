import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AirflowClient } from '../../src/datasources/airflow/airflow.client.js';
import { LakegateError } from '../../src/errors/errors.js';
import { builtInSteps } from '../../src/pipelines/registry.js';
import { AirflowStep, dagRunIdOf } from '../../src/pipelines/steps/airflow.js';
import { SourcesDocument } from '../generated/graphql.js';
import { airflowApi, airflowContext, airflowEntry, dagRunsOf, TEST_DAG } from '../helpers/airflow.js';
import { graphql, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';

/** A loopback port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function assertCode(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<LakegateError> {
  let caught: LakegateError | undefined;
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof LakegateError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    caught = error;
    return true;
  });
  return caught!;
}

describe('airflow step against the real Airflow', () => {
  let url: string;
  let client: AirflowClient;
  let step: AirflowStep;
  const since = new Date(Date.now() - 1000);

  before(() => {
    url = stackUrl('AIRFLOW_URL');
    client = new AirflowClient(url, { pingMs: 5000, callMs: 30000 });
    step = new AirflowStep(client, 250);
  });

  it('is a built-in step when Airflow is configured, absent otherwise', () => {
    assert.ok(builtInSteps({ airflow: client }).get('airflow') instanceof AirflowStep);
    assert.equal(builtInSteps({ airflow: null }).has('airflow'), false);
  });

  it('unpauses the DAG, runs it with the object in its conf, and reports each state', async () => {
    await airflowApi(url, `/dags/${TEST_DAG}?update_mask=is_paused`, {
      method: 'PATCH',
      body: JSON.stringify({ is_paused: true }),
    });
    const project = uniqueName('af');
    const runId = uniqueName('run');
    const ctx = airflowContext(airflowEntry(project, 7), runId, {
      dagId: TEST_DAG,
      conf: { template: 'csv-readings' },
    });

    const result = await step.run(ctx);

    const dagRunId = dagRunIdOf(runId);
    assert.deepEqual(result, { count: 1, message: `Airflow DAG run ${dagRunId} of ${TEST_DAG} succeeded` });
    const dag = (await airflowApi(url, `/dags/${TEST_DAG}`)) as { is_paused: boolean };
    assert.equal(dag.is_paused, false);
    const run = (await airflowApi(url, `/dags/${TEST_DAG}/dagRuns/${dagRunId}`)) as {
      state: string;
      conf: Record<string, unknown>;
    };
    assert.equal(run.state, 'success');
    assert.deepEqual(run.conf, {
      template: 'csv-readings',
      project,
      objectId: 7,
      runId,
      key: 'objects/7',
      contentType: 'text/csv',
      size: 12,
      sha256: 'a'.repeat(64),
    });
    const task = (await airflowApi(url, `/dags/${TEST_DAG}/dagRuns/${dagRunId}/taskInstances/process`)) as {
      state: string;
    };
    assert.equal(task.state, 'success');
    assert.equal(ctx.messages.at(-1), `Airflow DAG run ${dagRunId}: success`);
    assert.equal(new Set(ctx.messages).size, ctx.messages.length, 'one message per state change');
  });

  it('follows the DAG run of an earlier attempt instead of starting a second one', async () => {
    const entry = airflowEntry(uniqueName('af'), 8);
    const runId = uniqueName('run');
    const first = await step.run(airflowContext(entry, runId, { dagId: TEST_DAG }));
    const retry = airflowContext(entry, runId, { dagId: TEST_DAG });
    const second = await step.run(retry);

    assert.deepEqual(second, first);
    assert.deepEqual(retry.messages, [`Airflow DAG run ${dagRunIdOf(runId)}: success`]);
    const runs = await dagRunsOf(url, runId, since);
    assert.deepEqual(
      runs.map((r) => [r.dag_run_id, r.state]),
      [[dagRunIdOf(runId), 'success']],
    );
  });

  it('fails with STEP_FAILED naming the failed task when the DAG fails, and reruns the same DAG run on retry', async () => {
    const entry = airflowEntry(uniqueName('af'), 9);
    const runId = uniqueName('run');
    const dagRunId = dagRunIdOf(runId);
    const options = { dagId: TEST_DAG, conf: { fail: true } };
    const taskTries = async () =>
      (
        (await airflowApi(url, `/dags/${TEST_DAG}/dagRuns/${dagRunId}/taskInstances/process`)) as {
          try_number: number;
        }
      ).try_number;

    const error = await assertCode(
      step.run(airflowContext(entry, runId, options)),
      'STEP_FAILED',
      new RegExp(`^Airflow DAG run ${dagRunId} of ${TEST_DAG} failed \\(failed tasks: process\\)$`),
    );
    assert.deepEqual(error.extensions, { step: 'airflow', dagId: TEST_DAG, dagRunId, code: 'STEP_FAILED' });
    assert.equal(await taskTries(), 1);

    await assertCode(step.run(airflowContext(entry, runId, options)), 'STEP_FAILED', /failed tasks: process/);
    assert.equal(await taskTries(), 2, 'the retry ran the task again');
    const runs = await dagRunsOf(url, runId, since);
    assert.deepEqual(
      runs.map((r) => [r.dag_run_id, r.state]),
      [[dagRunId, 'failed']],
    );
  });

  it('marks the DAG run failed when the run is cancelled', async () => {
    const runId = uniqueName('run');
    const controller = new AbortController();
    const ctx = airflowContext(
      airflowEntry(uniqueName('af'), 10),
      runId,
      { dagId: TEST_DAG },
      controller.signal,
    );
    // Cancel as soon as the DAG run exists: the step is then waiting for it.
    ctx.progress = (message) => {
      ctx.messages.push(message);
      controller.abort();
    };

    await assert.rejects(step.run(ctx), { name: 'AbortError' });

    assert.deepEqual(ctx.messages, [`Airflow DAG run ${dagRunIdOf(runId)}: queued`]);
    const run = (await airflowApi(url, `/dags/${TEST_DAG}/dagRuns/${dagRunIdOf(runId)}`)) as {
      state: string;
    };
    assert.equal(run.state, 'failed');
  });

  it('refuses bad options before calling Airflow, and a DAG Airflow does not have', async () => {
    const entry = airflowEntry(uniqueName('af'), 11);
    const runId = uniqueName('run');
    const bad = async (options: Record<string, unknown>, argument: string, pattern: RegExp) => {
      const error = await assertCode(
        step.run(airflowContext(entry, runId, options)),
        'BAD_USER_INPUT',
        pattern,
      );
      assert.equal(error.extensions['argument'], argument);
    };
    await bad({}, 'options.dagId', /options\.dagId is missing/);
    await bad({ dagId: '../admin' }, 'options.dagId', /options\.dagId expected 1 to 250 letters/);
    await bad({ dagId: TEST_DAG, conf: [1] }, 'options.conf', /options\.conf expected an object/);
    await bad(
      { dagId: TEST_DAG, conf: { runId: 'x' } },
      'options.conf',
      /may not set project, objectId, runId/,
    );
    await bad({ dagId: uniqueName('no_such_dag', '_') }, 'options.dagId', /Airflow has no DAG "no_such_dag_/);
    assert.deepEqual(await dagRunsOf(url, runId, since), []);
  });

  it('reports an unreachable Airflow and refused credentials as SOURCE_UNAVAILABLE from airflow', async () => {
    const entry = airflowEntry(uniqueName('af'), 12);
    const wrongPassword = new URL(url);
    wrongPassword.password = 'not-the-password';
    const unreachable = new URL(url);
    unreachable.port = String(await closedPort());
    for (const [target, cause] of [
      [wrongPassword, 'HTTP_401'],
      [unreachable, 'ECONNREFUSED'],
    ] as const) {
      const other = new AirflowStep(new AirflowClient(target.href, { pingMs: 5000, callMs: 5000 }), 250);
      const error = await assertCode(
        other.run(airflowContext(entry, uniqueName('run'), { dagId: TEST_DAG })),
        'SOURCE_UNAVAILABLE',
        /^The airflow store is unavailable$/,
      );
      assert.equal(error.extensions['source'], 'airflow');
      assert.equal((error.originalError as { code?: string } | undefined)?.code, cause);
      assert.doesNotMatch(JSON.stringify(error.extensions), /lakegate-secret|not-the-password/);
    }
  });
});

describe('Airflow in the gateway', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({ AIRFLOW_URL: stackUrl('AIRFLOW_URL'), SOURCE_TIMEOUT_MS: '10000' });
  });
  after(() => gateway.close());

  it('lists Airflow as a source, UP, with its endpoint and no credentials', async () => {
    const { body } = await graphql(gateway, SourcesDocument);
    assert.equal(body.errors, undefined);
    const airflow = body.data?.sources.find((s) => s.name === 'airflow');
    assert.deepEqual(airflow && [airflow.kind, airflow.status, airflow.endpoint], [
      'AIRFLOW',
      'UP',
      `http://${new URL(stackUrl('AIRFLOW_URL')).host}`,
    ]);
    assert.doesNotMatch(JSON.stringify(body), /lakegate-secret/);
    assert.equal(gateway.services.airflow !== null, true);
  });

  it('reports Airflow DOWN with a short reason when it cannot be reached or refuses the credentials', async () => {
    const wrongPassword = new URL(stackUrl('AIRFLOW_URL'));
    wrongPassword.password = 'not-the-password';
    const unreachable = new URL(stackUrl('AIRFLOW_URL'));
    unreachable.port = String(await closedPort());
    for (const [target, detail] of [
      [wrongPassword, 'HTTP_401'],
      [unreachable, 'ECONNREFUSED'],
    ] as const) {
      const other = await startTestGateway({ AIRFLOW_URL: target.href });
      try {
        const { body } = await graphql(other, SourcesDocument);
        const airflow = body.data?.sources.find((s) => s.name === 'airflow');
        assert.deepEqual(airflow && [airflow.status, airflow.detail], ['DOWN', detail]);
        assert.doesNotMatch(JSON.stringify(body), /not-the-password/);
      } finally {
        await other.close();
      }
    }
  });
});
