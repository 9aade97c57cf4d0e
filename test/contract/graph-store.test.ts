import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type GraphImage, Neo4jGraphStore, type ThingRole } from '../../src/datasources/neo4j/graph.store.js';
import { Neo4jConnection } from '../../src/datasources/neo4j/neo4j.connection.js';
import { dropGraphProject, graphCounts } from '../helpers/graph.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';

function image(project: string, objectId: number, main: string[], secondary: string[] = []): GraphImage {
  const things = [
    ...main.map((name) => ({ name, role: 'main' as ThingRole })),
    ...secondary.map((name) => ({ name, role: 'secondary' as ThingRole })),
  ];
  return { project, objectId, runId: `run-${objectId}`, format: 'png', things };
}

describe('GraphStore on Neo4j', () => {
  let connection: Neo4jConnection;
  let store: Neo4jGraphStore;
  const projects: string[] = [];
  const newProject = () => {
    const p = uniqueName('graph');
    projects.push(p);
    return p;
  };

  before(() => {
    connection = new Neo4jConnection(stackUrl('NEO4J_URL'), 5000);
    store = new Neo4jGraphStore(connection, { readTimeoutMs: 5000, writeTimeoutMs: 30000, batchSize: 10 });
  });
  after(async () => {
    for (const p of projects) await dropGraphProject(connection.driver, p);
    await connection.close();
  });

  it('has the uniqueness constraints MERGE relies on', async () => {
    await store.mergeImages([image(newProject(), 1, ['cat'])]);
    const { records } = await connection.driver.executeQuery(
      "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties WHERE name STARTS WITH 'lakegate_' RETURN *",
    );
    const found = records.map((r) => [r.get('type'), r.get('labelsOrTypes'), r.get('properties')]);
    assert.deepEqual(
      found.sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
      [
        ['UNIQUENESS', ['Image'], ['project', 'objectId']],
        ['UNIQUENESS', ['Thing'], ['project', 'name']],
      ],
    );
  });

  it('writes in batches of the configured size, one statement each, and stops between batches when aborted', async () => {
    const project = newProject();
    const images = Array.from({ length: 25 }, (_, i) => image(project, i + 1, [`t${i % 5}`], ['common']));
    const done: number[] = [];
    await store.mergeImages([]); // the constraints exist: only the batches are counted below
    const queries = store.queries;
    const result = await store.mergeImages(images, { onBatch: (n) => done.push(n) });
    assert.deepEqual(done, [10, 20, 25]);
    assert.equal(store.queries - queries, 3);
    assert.deepEqual(
      { ...result },
      { images: 25, written: 125, nodesCreated: 31, relationshipsCreated: 50, relationshipsDeleted: 0 },
    );
    assert.deepEqual(await graphCounts(connection.driver, project), { images: 25, things: 6, contains: 50 });

    const other = newProject();
    const controller = new AbortController();
    const aborted = store.mergeImages(
      images.map((i) => ({ ...i, project: other })),
      { batchSize: 4, signal: controller.signal, onBatch: (n) => n >= 8 && controller.abort() },
    );
    await assert.rejects(aborted, { name: 'AbortError' });
    assert.equal((await graphCounts(connection.driver, other)).images, 8);
  });

  it('reads images with their things, in the order asked, null for unknown ones', async () => {
    const project = newProject();
    await store.mergeImages([image(project, 1, ['sofa', 'cat'], ['lamp']), image(project, 2, [], ['cat'])]);
    const [second, missing, first] = await store.images(project, [2, 99, 1]);
    assert.equal(missing, null);
    assert.deepEqual(first, {
      project,
      objectId: 1,
      runId: 'run-1',
      format: 'png',
      things: [
        { name: 'cat', role: 'main' },
        { name: 'sofa', role: 'main' },
        { name: 'lamp', role: 'secondary' },
      ],
    });
    assert.deepEqual(second?.things, [{ name: 'cat', role: 'secondary' }]);
    assert.deepEqual(await store.images(newProject(), [1, 2]), [null, null], 'another project sees nothing');
  });

  it('ranks similar images by role-weighted shared things, then shared count, then objectId', async () => {
    const project = newProject();
    await store.mergeImages([
      image(project, 1, ['cat', 'sofa'], ['lamp']), // the reference image
      image(project, 2, ['cat'], ['sofa']), // cat 2×2 + sofa 2×1 = 6
      image(project, 3, ['cat', 'sofa']), // 4 + 4 = 8
      image(project, 4, [], ['lamp', 'cat']), // lamp 1×1 + cat 2×1 = 3
      image(project, 5, ['lamp']), // lamp 1×2 = 2
      image(project, 6, [], ['sofa']), // sofa 2×1 = 2, ties with 5: lower objectId first
      image(project, 7, ['tree']), // nothing shared
      image(project, 8, ['sofa']), // 4, one shared thing
      image(project, 9, [], ['cat', 'sofa']), // 2 + 2 = 4, two shared things: before 8
    ]);
    const elsewhere = newProject();
    await store.mergeImages([image(elsewhere, 1, ['cat', 'sofa']), image(elsewhere, 50, ['cat', 'sofa'])]);

    const [ranked, top2, none, unknown] = [
      ...(await store.similarImages(project, [1], 10)),
      ...(await store.similarImages(project, [1, 7, 99], 2)),
    ];
    assert.deepEqual(
      ranked?.map((s) => [s.objectId, s.score, s.sharedThings]),
      [
        [3, 8, ['cat', 'sofa']],
        [2, 6, ['cat', 'sofa']],
        [9, 4, ['cat', 'sofa']],
        [8, 4, ['sofa']],
        [4, 3, ['cat', 'lamp']],
        [5, 2, ['lamp']],
        [6, 2, ['sofa']],
      ],
    );
    assert.deepEqual(
      top2?.map((s) => s.objectId),
      [3, 2],
    );
    assert.deepEqual(none, [], 'an image sharing nothing has no similar images');
    assert.deepEqual(unknown, []);
    assert.ok(ranked?.every((s) => s.project === project));
  });

  it('finds things and the images containing them', async () => {
    const project = newProject();
    await store.mergeImages([
      image(project, 3, ['cat']),
      image(project, 1, [], ['cat']),
      image(project, 2, ['cat', 'dog']),
    ]);
    await store.mergeImages([image(project, 2, ['dog'])]); // cat leaves image 2
    const [cat, bird, dog] = await store.things(project, ['cat', 'bird', 'dog']);
    assert.deepEqual(cat, { project, name: 'cat', imageCount: 2 });
    assert.equal(bird, null);
    assert.deepEqual(dog, { project, name: 'dog', imageCount: 1 });

    const [cats, birds] = await store.imagesOfThing(project, ['cat', 'bird'], 10);
    assert.deepEqual(
      cats?.map((i) => i.objectId),
      [1, 3],
    );
    assert.deepEqual(birds, []);
    const [firstCat] = await store.imagesOfThing(project, ['cat'], 1);
    assert.deepEqual(
      firstCat?.map((i) => [i.objectId, i.things]),
      [[1, [{ name: 'cat', role: 'secondary' }]]],
    );
  });
});
