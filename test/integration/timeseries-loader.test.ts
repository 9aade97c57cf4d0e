import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DerivedSeriesDocument } from '../generated/graphql.js';
import { graphql, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { catalogEntry, countQueries, TestBucket } from '../helpers/influx.js';
import { createProject } from '../helpers/lake.js';

const T0 = Date.parse('2024-05-01T00:00:00Z');

describe('derived series of a page of objects', () => {
  const bucket = new TestBucket();
  let gateway: TestGateway;
  let project: string;

  before(async () => {
    await bucket.create();
    gateway = await startTestGateway(bucket.env);
    project = await createProject(gateway);
    const store = gateway.services.timeseries!;
    // object i: i points of "load"; every tenth object also one point of "power"
    for (let id = 1; id <= 100; id++) {
      await gateway.services.catalog.insertEntry(catalogEntry(project, id, null));
      const points = Array.from({ length: id }, (_, i) => ({
        measurement: 'load',
        time: BigInt(T0 + i * 1000) * 1_000_000n,
        tags: {},
        fields: { v: i },
      }));
      if (id % 10 === 0)
        points.push({ measurement: 'power', time: BigInt(T0) * 1_000_000n, tags: {}, fields: { v: 1 } });
      await store.write({ project, objectId: id, runId: `run-${id}` }, points);
    }
  });
  after(async () => {
    await gateway.close();
    await bucket.drop();
  });

  it('answers derived { series } for 100 objects with one InfluxQL request', async () => {
    const { result, queries } = await countQueries(bucket.url, () =>
      graphql(gateway, DerivedSeriesDocument, { project }),
    );
    assert.equal(result.body.errors, undefined, JSON.stringify(result.body.errors));
    assert.equal(queries, 1);
    const nodes = result.body.data!.objects.nodes;
    assert.equal(nodes.length, 100);
    for (const node of nodes) {
      const id = node.objectId;
      const expected = [
        {
          measurement: 'load',
          pointCount: id,
          from: new Date(T0).toISOString(),
          to: new Date(T0 + (id - 1) * 1000).toISOString(),
          source: { objectId: id, runId: `run-${id}` },
        },
      ];
      if (id % 10 === 0) {
        const at = new Date(T0).toISOString();
        expected.push({ measurement: 'power', pointCount: 1, from: at, to: at, source: expected[0]!.source });
      }
      assert.deepEqual(node.derived.series, expected, `object ${id}`);
    }
  });
});
