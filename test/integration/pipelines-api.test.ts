import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import {
  ObjectRunsDocument,
  PipelinesDocument,
  RunDocument,
  TriggerPipelineDocument,
} from '../generated/graphql.js';
import { graphql, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createProject, errorCode, uploadFile } from '../helpers/lake.js';

async function untilFinished(gateway: TestGateway, runId: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { body } = await graphql(gateway, RunDocument, { runId });
    const run = body.data?.run;
    if (run && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('pipelines through GraphQL, on the embedded defaults (no gold store configured)', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway();
  });
  after(() => gateway.close());

  const csv = (name: string) =>
    ({ name, type: 'text/csv', content: Buffer.from(`a,b\n${name},2\n`) }) as const;

  it('lists the pipelines of the definitions', async () => {
    const { body } = await graphql(gateway, PipelinesDocument, {});
    assert.deepEqual(
      body.data?.pipelines.map((p) => [p.name, p.steps.map((s) => s.step)]),
      [
        ['graph', ['image-to-neo4j']],
        ['tables', ['csv-to-cassandra']],
        ['timeseries', ['json-to-influx']],
      ],
    );
  });

  it('runs the pipeline an upload gets when the project says so, and fails it clearly without its store', async () => {
    const project = await createProject(gateway, { pipelineOnUpload: true });
    const { body } = await uploadFile(gateway, { project }, csv('rows.csv'));
    const objectId = body.data!.uploadFile.object.objectId;
    const listed = await graphql(gateway, ObjectRunsDocument, { project, first: 10 });
    const [run] = listed.body.data!.objects.nodes[0]!.runs;
    assert.equal(run?.pipeline, 'tables');
    const done = await untilFinished(gateway, run!.runId);
    assert.equal(done.status, 'FAILED');
    assert.deepEqual(done.error, {
      code: 'SOURCE_NOT_CONFIGURED',
      message: 'step csv-to-cassandra needs the tables store, which is not configured',
      step: 'csv-to-cassandra',
    });
    assert.equal(done.object?.objectId, objectId);
  });

  it('runs nothing on upload unless the project says so', async () => {
    const project = await createProject(gateway);
    await uploadFile(gateway, { project }, csv('rows.csv'));
    const listed = await graphql(gateway, ObjectRunsDocument, { project, first: 10 });
    assert.deepEqual(listed.body.data!.objects.nodes[0]!.runs, []);
  });

  it('takes a pipeline named by the object dataProcessing, and refuses unknown names', async () => {
    const project = await createProject(gateway);
    const { body } = await uploadFile(
      gateway,
      { project, metadata: { dataProcessing: 'graph' } },
      csv('x.csv'),
    );
    const objectId = body.data!.uploadFile.object.objectId;
    const chosen = await graphql(gateway, TriggerPipelineDocument, { project, objectId, pipeline: null });
    assert.equal(chosen.body.data?.triggerPipeline.run.pipeline, 'graph');
    const unknown = await graphql(gateway, TriggerPipelineDocument, { project, objectId, pipeline: 'nope' });
    assert.equal(errorCode(unknown.body), 'BAD_USER_INPUT');
    assert.match(unknown.body.errors![0]!.message, /no pipeline nope; known: graph, tables, timeseries/);
    const refused = await uploadFile(
      gateway,
      { project, metadata: { dataProcessing: 'nope' } },
      csv('y.csv'),
    );
    assert.equal(errorCode(refused.body), 'BAD_USER_INPUT');
    const missing = await graphql(gateway, TriggerPipelineDocument, {
      project,
      objectId: 999,
      pipeline: null,
    });
    assert.equal(errorCode(missing.body), 'NOT_FOUND');
  });
});

describe('pipeline definitions file', () => {
  const file = (content: string) => {
    const path = join(tmpdir(), `pipelines-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, content);
    return path;
  };

  it('refuses a gateway that runs no pipelines unless others can, through Redis and a shared catalog', () => {
    assert.throws(
      () => loadConfig({ PIPELINE_CONCURRENCY: '0' }),
      /PIPELINE_CONCURRENCY: 0 .* needs REDIS_URL and MONGODB_URL/,
    );
    const config = loadConfig({
      PIPELINE_CONCURRENCY: '0',
      REDIS_URL: 'redis://h:6379',
      MONGODB_URL: 'mongodb://h/db',
    });
    assert.equal(config.pipelines.concurrency, 0);
  });

  it('is read and checked at start-up', () => {
    const path = file(
      JSON.stringify({
        pipelines: {
          sensors: { steps: [{ step: 'json-to-influx' }, { step: 'airflow', options: { dagId: 'd' } }] },
        },
        rules: [{ project: 'lab', contentType: 'application/*', pipeline: 'sensors' }],
      }),
    );
    const config = loadConfig({ PIPELINES_FILE: path });
    assert.deepEqual(Object.keys(config.pipelines.definitions.pipelines), ['sensors']);
  });

  it('names the file and every bad path', () => {
    const path = file(
      JSON.stringify({
        pipelines: { Bad: { steps: [{ step: 'rm-rf' }] } },
      }),
    );
    assert.throws(
      () => loadConfig({ PIPELINES_FILE: path }),
      (error: Error) =>
        error.message.includes(path) &&
        /pipelines\.Bad: pipeline names are lower-case/.test(error.message) &&
        /pipelines\.Bad\.steps\.0\.step: Invalid enum value/.test(error.message),
    );
    const dangling = file(
      JSON.stringify({
        pipelines: { ok: { steps: [{ step: 'csv-to-cassandra' }] } },
        rules: [{ contentType: 'text/csv', pipeline: 'missing' }],
      }),
    );
    assert.throws(() => loadConfig({ PIPELINES_FILE: dangling }), /rules\.0\.pipeline: no pipeline missing/);
    assert.throws(
      () => loadConfig({ PIPELINES_FILE: file('{ not json') }),
      /PIPELINES_FILE: pipelines file .* JSON/,
    );
  });
});
