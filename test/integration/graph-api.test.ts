import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type GraphImage, Neo4jGraphStore } from '../../src/datasources/neo4j/graph.store.js';
import { ImageToNeo4jStep } from '../../src/pipelines/steps/image-to-neo4j.js';
import { GraphDerivedPageDocument, GraphImageDocument, GraphThingDocument } from '../generated/graphql.js';
import { graphql, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { catalogEntry, dropGraphProject, JPEG, PNG } from '../helpers/graph.js';
import { stepContext } from '../helpers/step-context.js';
import { createProject, errorCode } from '../helpers/lake.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';

const HOSTILE = `cat"}) MATCH (n) DETACH DELETE n //`;

describe('graph zone through GraphQL', () => {
  let gateway: TestGateway;
  let store: Neo4jGraphStore;
  const project = uniqueName('gql');

  before(async () => {
    gateway = await startTestGateway({ NEO4J_URL: stackUrl('NEO4J_URL') });
    assert.ok(gateway.services.graph instanceof Neo4jGraphStore);
    store = gateway.services.graph;
    const step = new ImageToNeo4jStep(store);
    const write = (objectId: number, main: string[], secondary: string[], bytes = PNG) =>
      step.run(
        stepContext(
          catalogEntry(project, objectId, {
            imageContent: { mainObjects: main, secondaryObjects: secondary },
          }),
          bytes,
          { runId: `run-${objectId}` },
        ),
      );
    await write(1, ['cat', 'sofa'], ['lamp']);
    await write(2, ['cat'], ['sofa'], JPEG); // 4 + 2 = 6
    await write(3, ['sofa'], ['cat', 'lamp']); // 2 + 4 + 1 = 7
    await write(4, ['tree'], []);
    await write(5, [HOSTILE], ['cat']); // 2
  });
  after(async () => {
    await dropGraphProject(gateway.services.sources.graph!.driver, project);
    await gateway.close();
  });

  it('answers image with its things, lineage and ranked similar images', async () => {
    const { body } = await graphql(gateway, GraphImageDocument, { project, objectId: 1, limit: 2 });
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    const image = body.data?.image;
    assert.deepEqual(image?.things, [
      { name: 'cat', role: 'MAIN' },
      { name: 'sofa', role: 'MAIN' },
      { name: 'lamp', role: 'SECONDARY' },
    ]);
    assert.equal(image?.format, 'png');
    assert.deepEqual(image?.source, { project, objectId: 1, runId: 'run-1' });
    assert.deepEqual(
      image?.similarImages.map((s) => [s.objectId, s.score, s.sharedThings, s.image?.format]),
      [
        [3, 7, ['cat', 'lamp', 'sofa'], 'png'],
        [2, 6, ['cat', 'sofa'], 'jpeg'],
      ],
    );
    assert.deepEqual(image?.similarImages[1]?.image?.source, { project, objectId: 2, runId: 'run-2' });

    const all = await graphql(gateway, GraphImageDocument, { project, objectId: 1 });
    assert.deepEqual(
      all.body.data?.image?.similarImages.map((s) => s.objectId),
      [3, 2, 5],
      'the default limit takes every similar image here',
    );
  });

  it('answers null for an object without an image, and in another project', async () => {
    for (const variables of [
      { project, objectId: 99 },
      { project: uniqueName('gql'), objectId: 1 },
    ]) {
      const { body } = await graphql(gateway, GraphImageDocument, variables);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      assert.equal(body.data?.image, null);
    }
  });

  it('answers thing with the images containing it', async () => {
    const { body } = await graphql(gateway, GraphThingDocument, { project, name: 'cat' });
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.equal(body.data?.thing?.imageCount, 4);
    assert.deepEqual(
      body.data?.thing?.images.map((i) => [i.objectId, i.things.find((t) => t.name === 'cat')?.role]),
      [
        [1, 'MAIN'],
        [2, 'MAIN'],
        [3, 'SECONDARY'],
        [5, 'SECONDARY'],
      ],
    );
    const firstTwo = await graphql(gateway, GraphThingDocument, { project, name: 'cat', first: 2 });
    assert.deepEqual(
      firstTwo.body.data?.thing?.images.map((i) => i.objectId),
      [1, 2],
    );
    const none = await graphql(gateway, GraphThingDocument, { project, name: 'unicorn' });
    assert.equal(none.body.data?.thing, null);
  });

  it('takes Cypher in arguments literally', async () => {
    const hostile = await graphql(gateway, GraphThingDocument, { project, name: HOSTILE });
    assert.equal(hostile.body.errors, undefined, JSON.stringify(hostile.body.errors));
    assert.equal(hostile.body.data?.thing?.name, HOSTILE);
    assert.deepEqual(
      hostile.body.data?.thing?.images.map((i) => i.objectId),
      [5],
    );
    const injected = await graphql(gateway, GraphThingDocument, {
      project: `${project}' OR 1=1 //`,
      name: "cat' OR true //",
    });
    assert.equal(injected.body.data?.thing, null);
    const still = await graphql(gateway, GraphThingDocument, { project, name: 'cat' });
    assert.equal(still.body.data?.thing?.imageCount, 4, 'nothing was deleted');
  });

  it('refuses limits out of range with BAD_USER_INPUT naming the argument', async () => {
    for (const limit of [0, 101]) {
      const { body } = await graphql(gateway, GraphImageDocument, { project, objectId: 1, limit });
      assert.equal(errorCode(body), 'BAD_USER_INPUT');
      assert.equal(body.errors?.[0]?.extensions?.['argument'], 'limit');
    }
    const { body } = await graphql(gateway, GraphThingDocument, { project, name: 'cat', first: 1001 });
    assert.equal(errorCode(body), 'BAD_USER_INPUT');
    assert.equal(body.errors?.[0]?.extensions?.['argument'], 'first');
  });

  it('answers derived images of a page of 100 objects with one Cypher query per nesting level', async () => {
    const page = await createProject(gateway);
    try {
      // 200 objects; the page is 101..200 (newest first). Image k shares its main thing with k ± 100
      // and "common" with every image, so the similar images of the page are outside it.
      const images: GraphImage[] = [];
      for (let k = 1; k <= 200; k++) {
        await gateway.services.catalog.insertEntry(catalogEntry(page, k, null));
        images.push({
          project: page,
          objectId: k,
          runId: `run-${k}`,
          format: 'png',
          things: [
            { name: `t${k % 100}`, role: 'main' },
            { name: 'common', role: 'secondary' },
          ],
        });
      }
      await store.mergeImages(images);

      const before = store.queries;
      const { body } = await graphql(gateway, GraphDerivedPageDocument, { project: page });
      const queries = store.queries - before;
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));

      const nodes = body.data?.objects.nodes ?? [];
      assert.equal(nodes.length, 100);
      const [top] = nodes;
      assert.equal(top?.objectId, 200);
      const topImage = top?.derived.images?.[0];
      assert.deepEqual(topImage?.things, [
        { name: 't0', role: 'MAIN' },
        { name: 'common', role: 'SECONDARY' },
      ]);
      assert.deepEqual(
        topImage?.similarImages.map((s) => [s.objectId, s.score]),
        [
          [100, 5],
          [1, 1],
          [2, 1],
        ],
      );
      const nested = topImage?.similarImages[0]?.image;
      assert.deepEqual(nested?.source, { runId: 'run-100' });
      assert.deepEqual(
        nested?.similarImages.map((s) => s.objectId),
        [200, 1],
      );
      assert.ok(nodes.every((n) => n.derived.images?.length === 1 && n.derived.objectId === n.objectId));

      // derived.images, similarImages, similarImages.image, and their similarImages
      assert.equal(queries, 4);
    } finally {
      await dropGraphProject(gateway.services.sources.graph!.driver, page);
    }
  });
});

describe('graph zone without NEO4J_URL', () => {
  it('answers SOURCE_NOT_CONFIGURED naming the graph store', async () => {
    const gateway = await startTestGateway();
    try {
      const { body } = await graphql(gateway, GraphImageDocument, { project: 'p', objectId: 1 });
      assert.equal(errorCode(body), 'SOURCE_NOT_CONFIGURED');
      assert.equal(body.errors?.[0]?.extensions?.['source'], 'graph');
      assert.equal(gateway.services.graph, null);
    } finally {
      await gateway.close();
    }
  });
});
