import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import neo4j from 'neo4j-driver';
import { freshMongoUrl } from '../helpers/backends.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { PNG } from '../helpers/graph.js';
import { createProject, uploadFile } from '../helpers/lake.js';
import { stackUrl } from '../helpers/stack.js';

const RUNS = 12;

describe('pipeline runs shared by two gateways through Redis', () => {
  let a: TestGateway;
  let b: TestGateway;
  before(async () => {
    const env = {
      S3_URL: stackUrl('MINIO_S3_URL'),
      MONGODB_URL: freshMongoUrl(),
      REDIS_URL: stackUrl('REDIS_URL'),
      NEO4J_URL: stackUrl('NEO4J_URL'),
      PIPELINE_CONCURRENCY: '2',
    };
    // A only takes requests; every run must be executed by B, through the queue in Redis.
    [a, b] = await Promise.all([
      startTestGateway({ ...env, PIPELINE_CONCURRENCY: '0' }),
      startTestGateway(env),
    ]);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('runs every upload made through an API-only gateway on the other one, once, and writes each image once', async () => {
    const project = await createProject(a, { pipelineOnUpload: true });
    const objectIds: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { body } = await uploadFile(
        a,
        {
          project,
          metadata: {
            otherData: { imageContent: { mainObjects: [`cat-${i % 3}`], secondaryObjects: ['sofa'] } },
          },
        },
        { name: `p${i}.png`, type: 'image/png', content: Buffer.concat([PNG, Buffer.from([i])]) },
      );
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      objectIds.push(body.data!.uploadFile.object.objectId);
    }
    const { catalog } = b.services;
    const deadline = Date.now() + 60_000;
    let runs = await catalog.runsOfEntries(project, objectIds);
    while (runs.length < RUNS || runs.some((r) => r.status !== 'SUCCEEDED')) {
      assert.ok(Date.now() < deadline, `runs: ${runs.map((r) => r.status).join(',')}`);
      await new Promise((r) => setTimeout(r, 100));
      runs = await catalog.runsOfEntries(project, objectIds);
    }
    assert.equal(new Set(runs.map((r) => r.objectId)).size, RUNS, 'one run per object');
    assert.ok(runs.every((r) => r.attempt === 1));
    const started = (await catalog.after(project, 0, null, 10_000)).filter(
      (e) => e.type === 'PIPELINE_STARTED',
    );
    assert.equal(started.length, RUNS, 'each run started once');

    const driver = neo4j.driver(stackUrl('NEO4J_URL'));
    try {
      const { records } = await driver.executeQuery(
        'MATCH (i:Image {project: $project}) RETURN count(i) AS images, count(DISTINCT i.objectId) AS ids',
        { project },
      );
      assert.deepEqual(
        [records[0]!.get('images').toNumber(), records[0]!.get('ids').toNumber()],
        [RUNS, RUNS],
      );
    } finally {
      await driver.close();
    }
  });
});
