import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LakegateError } from '../../src/errors/errors.js';
import { JsonToInfluxStep } from '../../src/pipelines/steps/json-to-influx.js';
import { TimeSeriesDocument } from '../generated/graphql.js';
import { graphql, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { catalogEntry } from '../helpers/influx.js';
import { stepContext } from '../helpers/step-context.js';
import { createProject, errorCode } from '../helpers/lake.js';
import { PrivateInflux } from '../helpers/private-influx.js';

const T0 = Date.parse('2024-06-01T00:00:00Z');
const records = (from: number) =>
  JSON.stringify(Array.from({ length: 5 }, (_, i) => ({ t: T0 + (from + i) * 1000, v: from + i })));
const template = { measurement: 'pulse', timeField: 't', timeFormat: 'ms', fields: ['v'] };

describe('time series while InfluxDB is down', () => {
  const influx = new PrivateInflux();
  let gateway: TestGateway;
  let project: string;
  let step: JsonToInfluxStep;

  const read = () =>
    graphql(gateway, TimeSeriesDocument, {
      project,
      measurement: 'pulse',
      from: new Date(T0).toISOString(),
      to: new Date(T0 + 3600_000).toISOString(),
    });

  before(async () => {
    await influx.start();
    gateway = await startTestGateway({
      ...influx.env(),
      INFLUX_BUCKET: influx.bucket,
      SOURCE_TIMEOUT_MS: '2000',
      SOURCE_WRITE_TIMEOUT_MS: '5000',
    });
    project = await createProject(gateway);
    step = new JsonToInfluxStep(gateway.services.timeseries!, gateway.services.pubSub);
    await step.run(stepContext(catalogEntry(project, 1, { template }), records(0)));
  });
  after(async () => {
    await gateway?.close();
    await influx.stop();
  });

  it('fails reads and writes with SOURCE_UNAVAILABLE, and serves the same points once it is back', async () => {
    await influx.stop();
    const down = await read();
    assert.equal(errorCode(down.body), 'SOURCE_UNAVAILABLE');
    assert.equal(down.body.errors?.[0]?.extensions?.['source'], 'timeseries');
    await assert.rejects(
      step.run(stepContext(catalogEntry(project, 2, { template }), records(5))),
      (e: unknown) => {
        assert.ok(e instanceof LakegateError);
        assert.equal(e.code, 'SOURCE_UNAVAILABLE');
        return true;
      },
    );

    await influx.start();
    const up = await read();
    assert.equal(up.body.errors, undefined, JSON.stringify(up.body.errors));
    assert.deepEqual(
      up.body.data?.timeSeries.map((s) => [s.source?.objectId, s.points.length]),
      [[1, 5]],
    );
  });
});
