import assert from 'node:assert/strict';
import { type CatalogEntry } from '../../../src/datasources/catalog/catalog.js';
import { type RunRecord } from '../../../src/datasources/catalog/runs.js';
import { RetryRunDocument } from '../../generated/graphql.js';
import { graphql, type TestGateway } from '../../helpers/gateway.js';
import { PNG } from '../../helpers/graph.js';
import { createProject, uploadFile } from '../../helpers/lake.js';
import { type UploadAttempt } from './outage-load.js';

/** Polls `check` until it returns true; fails with `what` after `ms`. */
export async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every entry of a project and every run of them, read straight from the catalog. */
export async function lakeState(
  gateway: TestGateway,
  project: string,
): Promise<{ entries: CatalogEntry[]; runs: RunRecord[] }> {
  const { catalog } = gateway.services;
  const entries = await catalog.findEntries(project, {}, 10_000);
  const runs = await catalog.runsOfEntries(
    project,
    entries.map((e) => e.objectId),
  );
  return { entries, runs };
}

/**
 * A project that runs pipelines on upload, with gold data in every store: a JSON file's points in
 * InfluxDB, a CSV file's rows in Cassandra, two images in Neo4j. Resolves once the four runs succeeded.
 */
export async function seedGoldProject(gateway: TestGateway): Promise<string> {
  const project = await createProject(gateway, { pipelineOnUpload: true });
  const readings = Array.from({ length: 20 }, (_, i) => ({
    at: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
    city: i % 2 ? 'rennes' : 'brest',
    temp: 10 + i / 10,
  }));
  const template = { measurement: 'weather', timeField: 'at', fields: ['temp'], tags: ['city'] };
  const image = (main: string[], secondary: string[]) => ({
    imageContent: { mainObjects: main, secondaryObjects: secondary },
  });
  const files = [
    {
      name: 'weather.json',
      type: 'application/json',
      content: JSON.stringify(readings),
      otherData: { template },
    },
    { name: 'stations.csv', type: 'text/csv', content: 'station,temp\ns1,12.5\ns2,13.0\n', otherData: null },
    { name: 'a.png', type: 'image/png', content: PNG, otherData: image(['cat'], ['sofa', 'lamp']) },
    {
      name: 'b.png',
      type: 'image/png',
      content: Buffer.concat([PNG, Buffer.from('b')]),
      otherData: image(['cat'], ['sofa']),
    },
  ];
  for (const f of files) {
    const { body } = await uploadFile(
      gateway,
      { project, metadata: { otherData: f.otherData } },
      { name: f.name, type: f.type, content: Buffer.from(f.content) },
    );
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  }
  // A store that has just started can be slow to take its first writes: a run it fails is retried.
  let retries = 0;
  await eventually(
    async () => {
      const { runs } = await lakeState(gateway, project);
      for (const run of runs.filter((r) => r.status === 'FAILED')) {
        assert.ok(retries++ < 8, JSON.stringify(run.error));
        const { body } = await graphql(gateway, RetryRunDocument, { runId: run.runId });
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      }
      return runs.length === 4 && runs.every((r) => r.status === 'SUCCEEDED');
    },
    180_000,
    'the gold project’s four pipeline runs',
  );
  return project;
}

/**
 * What an upload left behind contradicts what its client was told: a success must be a STORED entry
 * whose object is there with its size; a failure must carry a code and leave no STORED entry and no
 * object (a FAILED entry records it).
 */
export async function uploadFaults(
  gateway: TestGateway,
  attempt: UploadAttempt,
  entries: readonly CatalogEntry[],
): Promise<string[]> {
  const { raw } = gateway.services;
  const mine = entries.filter((e) => e.originalName === attempt.name);
  const faults: string[] = [];
  if (attempt.transportError) faults.push(`no answer: ${attempt.transportError}`);
  if (attempt.objectId !== null) {
    const entry = mine.find((e) => e.objectId === attempt.objectId);
    if (entry?.status !== 'STORED') faults.push(`completed, but its entry is ${entry?.status ?? 'missing'}`);
    else if ((await raw.stat(entry.project, entry.key))?.size !== attempt.size)
      faults.push('completed, but its object is not there whole');
  } else if (attempt.error) {
    if (typeof attempt.error.code !== 'string' || attempt.error.code === 'INTERNAL_SERVER_ERROR')
      faults.push(`failed without a code of its own: ${String(attempt.error.code)}`);
    for (const e of mine) {
      if (e.status !== 'FAILED') faults.push(`failed, but left entry ${e.objectId} ${e.status}`);
      if (await raw.stat(e.project, e.key)) faults.push(`failed, but left the object of entry ${e.objectId}`);
    }
  }
  return faults.map((f) => `${attempt.name}: ${f}`);
}
