import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Neo4jConnection } from '../../src/datasources/neo4j/neo4j.connection.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';

describe('Neo4j', () => {
  it('writes a node, reads it back and cleans up', async () => {
    const neo4j = new Neo4jConnection(stackUrl('NEO4J_URL'), 5000);
    const run = uniqueName('smoke');
    try {
      await neo4j.ping();
      await neo4j.driver.executeQuery('CREATE (:SmokeTest {run: $run, name: $name})', { run, name: 'cat' });
      const { records } = await neo4j.driver.executeQuery(
        'MATCH (n:SmokeTest {run: $run}) RETURN n.name AS name',
        {
          run,
        },
      );
      assert.deepEqual(
        records.map((r) => r.get('name')),
        ['cat'],
      );
      await neo4j.driver.executeQuery('MATCH (n:SmokeTest {run: $run}) DETACH DELETE n', { run });
      const left = await neo4j.driver.executeQuery('MATCH (n:SmokeTest {run: $run}) RETURN count(n) AS c', {
        run,
      });
      assert.equal(left.records[0]?.get('c').toNumber(), 0);
    } finally {
      await neo4j.close();
    }
  });
});
