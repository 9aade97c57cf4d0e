import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnGateway } from '../helpers/process.js';

const SECRETS = {
  s3: 's3-secret-key-XYZ',
  mongo: 'mongo-password-XYZ',
  influx: 'influx-token-XYZ',
  neo4j: 'neo4j-password-XYZ',
  cassandra: 'cassandra-password-XYZ',
  redis: 'redis-password-XYZ',
  airflow: 'airflow-password-XYZ',
  raw: 'raw-url-secret-XYZ-0123456789abcdef0123456789',
  auth: 'auth-jwt-secret-XYZ-0123456789abcdef0123456789',
};

describe('secrets', () => {
  it('never appear in logs, errors, sources or /readyz, even when every store fails', async () => {
    // Every store is configured with credentials and refuses the connection (port 1).
    const gw = await spawnGateway({
      LOG_LEVEL: 'debug',
      SOURCE_TIMEOUT_MS: '800',
      SOURCE_WRITE_TIMEOUT_MS: '1000',
      S3_URL: `http://access:${SECRETS.s3}@127.0.0.1:1/?region=us-east-1`,
      MONGODB_URL: `mongodb://user:${SECRETS.mongo}@127.0.0.1:1/db`,
      INFLUX_URL: 'http://127.0.0.1:1',
      INFLUX_TOKEN: SECRETS.influx,
      INFLUX_ORG: 'lakegate',
      NEO4J_URL: `bolt://neo4j:${SECRETS.neo4j}@127.0.0.1:1`,
      CASSANDRA_URL: `cassandra://user:${SECRETS.cassandra}@127.0.0.1:1/?dc=dc1`,
      REDIS_URL: `redis://:${SECRETS.redis}@127.0.0.1:1`,
      AIRFLOW_URL: `http://admin:${SECRETS.airflow}@127.0.0.1:1`,
      RAW_URL_SECRET: SECRETS.raw,
      AUTH_JWT_SECRET: SECRETS.auth,
    });
    const seen: string[] = [];
    try {
      const post = async (query: string) => {
        const res = await fetch(`${gw.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.adminToken}` },
          body: JSON.stringify({ query }),
        });
        seen.push(await res.text());
      };
      await post('{ sources { name status endpoint detail } }');
      await post('{ projects { name } }');
      await post('{ objects(project: "p") { nodes { objectId } } }');
      await post(
        '{ timeSeries(project: "p", measurement: "m", from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z") { measurement } }',
      );
      await post('{ image(project: "p", objectId: 1) { objectId } }');
      await post('{ tableRows(project: "p", table: "t", partitionKey: {a: 1}) { rows } }');
      await post('mutation { createProject(name: "p-secret") { name } }');
      const ready = await fetch(`${gw.url}/readyz`);
      seen.push(await ready.text());
      assert.equal(ready.status, 503);
    } finally {
      gw.child.kill('SIGTERM');
      await gw.exited;
    }
    const everything = [...seen, ...gw.logs.map((l) => JSON.stringify(l))].join('\n');
    assert.ok(seen[0]!.includes('"DOWN"'), 'the stores were really tried');
    assert.ok(gw.logs.length > 3, 'the gateway logged');
    for (const [store, secret] of Object.entries(SECRETS)) {
      assert.ok(!everything.includes(secret), `the ${store} secret leaked`);
    }
    assert.ok(!everything.includes(gw.adminToken.split('.')[2]!), 'the bearer token leaked');
  });
});
