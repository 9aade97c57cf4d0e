import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CommandStartedEvent } from 'mongodb';
import { type CatalogEntry } from '../../src/datasources/catalog/catalog.js';
import { MongoConnection } from '../../src/datasources/catalog/mongo.connection.js';
import { freshMongoUrl } from '../helpers/backends.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createProject } from '../helpers/lake.js';

const QUERY = `query Page($project: String!) {
  objects(project: $project, first: 100) {
    nodes { objectId originalName duplicateOf { objectId duplicateOf { objectId originalName } } }
  }
}`;

describe('catalog round trips of a nested page', () => {
  let gateway: TestGateway;
  let project: string;
  before(async () => {
    gateway = await startTestGateway({ MONGODB_URL: freshMongoUrl() });
    project = await createProject(gateway);
    const { catalog } = gateway.services;
    const now = new Date();
    // 300 objects: 201..300 (the page) point at 101..200, which point at 1..100.
    for (let id = 1; id <= 300; id++) {
      const entry: CatalogEntry = {
        project,
        objectId: id,
        key: `k${id}`,
        uploadId: `${project}-${id}`,
        owner: 'ana',
        contentType: 'text/plain',
        originalName: `f${id}.txt`,
        application: null,
        size: 1,
        sha256: null,
        createdAt: now,
        lastModified: now,
        status: 'STORED',
        successfulOperations: [],
        failedOperations: [],
        otherData: null,
        metrics: null,
        duplicateOf: id > 100 ? id - 100 : null,
        idempotencyKey: null,
        expiresAt: null,
        upload: {
          method: 'STREAM',
          declaredSize: null,
          declaredSha256: null,
          multipartId: null,
          partSize: null,
        },
      };
      await catalog.insertEntry(entry);
    }
  });
  after(() => gateway.close());

  it('costs one catalog query per nesting level for 100 objects', async () => {
    const connection = gateway.services.sources.catalog as MongoConnection;
    assert.ok(connection instanceof MongoConnection);
    const finds: string[] = [];
    const listener = (e: CommandStartedEvent) => {
      // Only this page's reads: the reconciler and the run sweep may read the catalog meanwhile.
      if (e.commandName === 'find' && JSON.stringify(e.command).includes(project))
        finds.push(String(e.command['find']));
    };
    connection.client.on('commandStarted', listener);
    try {
      const res = await fetch(gateway.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.adminToken}` },
        body: JSON.stringify({ query: QUERY, variables: { project } }),
      });
      const body = (await res.json()) as {
        data: {
          objects: {
            nodes: {
              objectId: number;
              duplicateOf: { objectId: number; duplicateOf: { objectId: number } };
            }[];
          };
        };
      };
      const nodes = body.data.objects.nodes;
      assert.equal(nodes.length, 100);
      assert.deepEqual(
        [nodes[0]!.objectId, nodes[0]!.duplicateOf.objectId, nodes[0]!.duplicateOf.duplicateOf.objectId],
        [300, 200, 100],
      );
    } finally {
      connection.client.off('commandStarted', listener);
    }
    // The project check and the page go out together, then one query per nesting level.
    assert.deepEqual(finds.slice(0, 2).sort(), ['entries', 'projects']);
    assert.deepEqual(finds.slice(2), ['entries', 'entries']);
  });
});
