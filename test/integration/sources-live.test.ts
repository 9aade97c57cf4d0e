import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SourcesDocument } from '../generated/graphql.js';
import { graphql, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { stackUrl } from '../helpers/stack.js';

describe('gateway against the real test stack', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({
      S3_URL: stackUrl('S3_URL'),
      MONGODB_URL: stackUrl('MONGODB_URL'),
      INFLUX_URL: stackUrl('INFLUX_URL'),
      INFLUX_TOKEN: stackUrl('INFLUX_TOKEN'),
      INFLUX_ORG: stackUrl('INFLUX_ORG'),
      NEO4J_URL: stackUrl('NEO4J_URL'),
      CASSANDRA_URL: stackUrl('CASSANDRA_URL'),
      REDIS_URL: stackUrl('REDIS_URL'),
      AIRFLOW_URL: stackUrl('AIRFLOW_URL'),
      SOURCE_TIMEOUT_MS: '10000',
    });
  });
  after(() => gateway.close());

  it('reports all seven stores UP with their endpoints and no credentials', async () => {
    const { body } = await graphql(gateway, SourcesDocument);
    assert.equal(body.errors, undefined);
    const sources = body.data!.sources;
    assert.deepEqual(
      sources.map((s) => [s.name, s.status]),
      [
        ['raw', 'UP'],
        ['catalog', 'UP'],
        ['timeseries', 'UP'],
        ['graph', 'UP'],
        ['tables', 'UP'],
        ['broker', 'UP'],
        ['airflow', 'UP'],
      ],
    );
    for (const s of sources) {
      assert.ok(s.endpoint?.includes('127.0.0.1'), `${s.name} endpoint ${s.endpoint}`);
      assert.equal(typeof s.latencyMs, 'number');
    }
    assert.doesNotMatch(JSON.stringify(body), /lakegate-secret|testing|lakegate-dev-token/);
  });

  it('is ready on /readyz', async () => {
    const res = await fetch(`${gateway.url}/readyz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string };
    assert.equal(body.status, 'ready');
  });
});
