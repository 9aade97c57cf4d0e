import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LakegateError } from '../../src/errors/errors.js';
import { Neo4jConnection } from '../../src/datasources/neo4j/neo4j.connection.js';
import { Neo4jGraphStore } from '../../src/datasources/neo4j/graph.store.js';
import { ImageToNeo4jStep } from '../../src/pipelines/steps/image-to-neo4j.js';
import { builtInSteps } from '../../src/pipelines/registry.js';
import { catalogEntry, dropGraphProject, graphCounts, imageThingsOf, JPEG, PNG } from '../helpers/graph.js';
import { stepContext } from '../helpers/step-context.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';

const content = (mainObjects: unknown, secondaryObjects?: unknown) => ({
  imageContent: secondaryObjects === undefined ? { mainObjects } : { mainObjects, secondaryObjects },
});

async function assertBadInput(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof LakegateError, String(error));
    assert.equal(error.code, 'BAD_USER_INPUT');
    assert.match(error.message, pattern);
    return true;
  });
}

describe('image-to-neo4j step', () => {
  let connection: Neo4jConnection;
  let step: ImageToNeo4jStep;
  const projects: string[] = [];
  const newProject = () => {
    const p = uniqueName('img');
    projects.push(p);
    return p;
  };

  before(() => {
    connection = new Neo4jConnection(stackUrl('NEO4J_URL'), 5000);
    step = new ImageToNeo4jStep(
      new Neo4jGraphStore(connection, { readTimeoutMs: 5000, writeTimeoutMs: 30000 }),
    );
  });
  after(async () => {
    for (const p of projects) await dropGraphProject(connection.driver, p);
    await connection.close();
  });

  it('is a built-in step when the graph store is configured, absent otherwise', () => {
    const store = new Neo4jGraphStore(connection, { readTimeoutMs: 1000, writeTimeoutMs: 1000 });
    assert.ok(builtInSteps({ graph: store }).get('image-to-neo4j') instanceof ImageToNeo4jStep);
    assert.equal(builtInSteps({ graph: null }).has('image-to-neo4j'), false);
  });

  it('writes one image and its things with their roles and the run id', async () => {
    const project = newProject();
    const entry = catalogEntry(project, 7, content([' cat ', 'dog'], ['sofa', 'dog']));
    const result = await step.run(stepContext(entry, PNG, { runId: 'run-1' }));

    // 1 image + 3 things + 3 relationships: "dog" is main and secondary, and main wins
    assert.equal(result.count, 7);
    assert.match(result.message, /1 png image with 2 main and 1 secondary things/);
    assert.deepEqual(await graphCounts(connection.driver, project), { images: 1, things: 3, contains: 3 });
    assert.deepEqual(await imageThingsOf(connection.driver, project, 7), [
      { name: 'cat', role: 'main', runId: 'run-1' },
      { name: 'dog', role: 'main', runId: 'run-1' },
      { name: 'sofa', role: 'secondary', runId: 'run-1' },
    ]);
    const { records } = await connection.driver.executeQuery(
      'MATCH (i:Image {project: $project}) RETURN i.objectId AS objectId, i.runId AS runId, i.format AS format',
      { project },
    );
    assert.deepEqual(
      records.map((r) => [r.get('objectId').toNumber(), r.get('runId'), r.get('format')]),
      [[7, 'run-1', 'png']],
    );
  });

  it('leaves the same graph when the same object runs again, and shares things between images', async () => {
    const project = newProject();
    const first = catalogEntry(project, 1, content(['cat'], ['sofa']));
    const second = catalogEntry(project, 2, content(['cat', 'tree']), 'image/jpeg');
    await step.run(stepContext(first, PNG, { runId: 'run-a' }));
    await step.run(stepContext(second, JPEG, { runId: 'run-b' }));
    const before = await graphCounts(connection.driver, project);
    assert.deepEqual(before, { images: 2, things: 3, contains: 4 });

    const again = await step.run(stepContext(first, PNG, { runId: 'run-a' }));
    assert.equal(again.count, 5, 'a rerun reports what it merged');
    assert.match(again.message, /0 nodes and 0 relationships new, 0 relationships removed/);
    await step.run(stepContext(second, JPEG, { runId: 'run-b' }));
    assert.deepEqual(await graphCounts(connection.driver, project), before);
  });

  it('updates roles and drops things no longer listed when the content changes', async () => {
    const project = newProject();
    await step.run(
      stepContext(catalogEntry(project, 3, content(['cat'], ['dog', 'sofa'])), PNG, { runId: 'run-1' }),
    );
    const changed = await step.run(
      stepContext(catalogEntry(project, 3, content(['dog'], ['cat', 'lamp'])), PNG, { runId: 'run-2' }),
    );
    assert.match(changed.message, /1 nodes and 1 relationships new, 1 relationships removed/);
    assert.deepEqual(await imageThingsOf(connection.driver, project, 3), [
      { name: 'cat', role: 'secondary', runId: 'run-2' },
      { name: 'dog', role: 'main', runId: 'run-2' },
      { name: 'lamp', role: 'secondary', runId: 'run-2' },
    ]);
    assert.equal((await graphCounts(connection.driver, project)).contains, 3);
  });

  it('refuses a missing or malformed imageContent with BAD_USER_INPUT and writes nothing', async () => {
    const project = newProject();
    const cases: [Record<string, unknown> | null, RegExp][] = [
      [null, /otherData\.imageContent is missing/],
      [{ imageContent: 'cat' }, /otherData\.imageContent expected an object/],
      [content(undefined), /otherData\.imageContent\.mainObjects is missing/],
      [content('cat'), /otherData\.imageContent\.mainObjects expected an array of strings/],
      [content(['cat', '   ']), /otherData\.imageContent\.mainObjects\[1\] is empty/],
      [content(['cat'], ['x'.repeat(201)]), /secondaryObjects\[0\] is longer than 200 characters/],
      [content(['cat'], [42]), /secondaryObjects\[0\] expected a string/],
      [content(Array(7).fill(' ')), /mainObjects\[4\] is empty \(and 2 more\)$/],
    ];
    for (const [otherData, pattern] of cases) {
      const ctx = stepContext(catalogEntry(project, 1, otherData), PNG, { runId: 'run-1' });
      await assertBadInput(step.run(ctx), pattern);
      assert.equal(ctx.opens, 0, 'the object is not even read');
    }
    assert.deepEqual(await graphCounts(connection.driver, project), { images: 0, things: 0, contains: 0 });
  });

  it('accepts a name of exactly 200 characters, trimmed', async () => {
    const project = newProject();
    const name = 'n'.repeat(200);
    await step.run(stepContext(catalogEntry(project, 1, content([`  ${name}  `])), PNG, { runId: 'run-1' }));
    assert.deepEqual(await imageThingsOf(connection.driver, project, 1), [
      { name, role: 'main', runId: 'run-1' },
    ]);
  });

  it('refuses bytes that are not a JPEG or PNG whatever the content type says, and writes nothing', async () => {
    const project = newProject();
    const notImages = [
      Buffer.from('GIF89a\x01\x00\x01\x00'),
      Buffer.from('not an image at all'),
      PNG.subarray(0, 7),
      Buffer.alloc(0),
    ];
    for (const bytes of notImages) {
      const ctx = stepContext(catalogEntry(project, 1, content(['cat']), 'image/png'), bytes, {
        runId: 'run-1',
      });
      await assertBadInput(step.run(ctx), /object 1 is not a JPEG or PNG image/);
    }
    assert.deepEqual(await graphCounts(connection.driver, project), { images: 0, things: 0, contains: 0 });

    // and a real JPEG sent as application/octet-stream is an image
    const jpeg = catalogEntry(project, 2, content(['cat']), 'application/octet-stream');
    assert.match((await step.run(stepContext(jpeg, JPEG, { runId: 'run-1' }))).message, /1 jpeg image/);
  });

  it('takes Cypher in names and projects literally', async () => {
    const project = newProject();
    const hostile = `x' }) MATCH (n) DETACH DELETE n //`;
    const evilProject = `${project}"}) MATCH (n) DETACH DELETE n //`;
    projects.push(evilProject);
    const names = ['cat"}) DETACH DELETE i //', "dog' OR 1=1 //", '$project', '`Thing`', hostile];
    await step.run(
      stepContext(catalogEntry(project, 1, content(names.slice(0, 3), names.slice(3))), PNG, { runId: 'r' }),
    );
    await step.run(stepContext(catalogEntry(evilProject, 1, content([hostile])), PNG, { runId: 'r' }));

    assert.deepEqual(
      (await imageThingsOf(connection.driver, project, 1)).map((t) => t.name),
      [...names].sort(),
    );
    assert.deepEqual(await graphCounts(connection.driver, project), { images: 1, things: 5, contains: 5 });
    assert.deepEqual(await graphCounts(connection.driver, evilProject), {
      images: 1,
      things: 1,
      contains: 1,
    });
  });
});
