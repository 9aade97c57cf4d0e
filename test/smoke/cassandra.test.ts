import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CassandraConnection } from '../../src/datasources/cassandra/cassandra.connection.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';

describe('Cassandra', () => {
  it('writes a row, reads it back and cleans up', async () => {
    const cassandra = new CassandraConnection(stackUrl('CASSANDRA_URL'), 20000);
    const keyspace = uniqueName('smoke', '_');
    try {
      await cassandra.ping();
      const { client } = cassandra;
      await client.execute(
        `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      );
      await client.execute(
        `CREATE TABLE ${keyspace}.readings (sensor text, at int, value double, PRIMARY KEY (sensor, at))`,
      );
      await client.execute(
        `INSERT INTO ${keyspace}.readings (sensor, at, value) VALUES (?, ?, ?)`,
        ['s1', 1, 20.5],
        {
          prepare: true,
        },
      );
      const rows = await client.execute(`SELECT value FROM ${keyspace}.readings WHERE sensor = ?`, ['s1'], {
        prepare: true,
      });
      assert.deepEqual(
        rows.rows.map((r) => r['value']),
        [20.5],
      );
      await client.execute(`DROP KEYSPACE ${keyspace}`);
      const left = await client.execute(
        'SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?',
        [keyspace],
      );
      assert.equal(left.rowLength, 0);
    } finally {
      await cassandra.close();
    }
  });
});
