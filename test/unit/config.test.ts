import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { ConfigError, ENV_VARIABLES, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('starts on embedded defaults with no store configured', () => {
    const config = loadConfig({});
    assert.equal(config.port, 4000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.graphiql, true);
    assert.equal(config.introspection, true);
    assert.deepEqual(config.stores, {
      s3: undefined,
      mongodb: undefined,
      influx: undefined,
      neo4j: undefined,
      cassandra: undefined,
      redis: undefined,
      airflow: undefined,
    });
  });

  it('turns GraphiQL and introspection off by default in production', () => {
    const production = { NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(32) };
    const config = loadConfig(production);
    assert.equal(config.graphiql, false);
    assert.equal(config.introspection, false);
    assert.equal(loadConfig({ ...production, GRAPHIQL: 'true' }).graphiql, true);
  });

  it('keeps a token secret of its own in DATA_DIR, except in production', () => {
    assert.equal(loadConfig({ DATA_DIR: 'lake' }).auth.localSecretFile, join('lake', 'auth-secret'));
    assert.equal(loadConfig({ AUTH_JWT_SECRET: 'x'.repeat(32) }).auth.localSecretFile, undefined);
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production' }),
      /AUTH_JWT_SECRET, AUTH_JWKS_URL: production needs/,
    );
  });

  it('enables a store by its URL variable', () => {
    const config = loadConfig({
      MONGODB_URL: 'mongodb://127.0.0.1:27017/lake',
      INFLUX_URL: 'http://127.0.0.1:8086',
    });
    assert.deepEqual(config.stores.mongodb, { url: 'mongodb://127.0.0.1:27017/lake', commandEvents: false });
    assert.deepEqual(config.stores.influx, {
      url: 'http://127.0.0.1:8086',
      token: undefined,
      org: undefined,
    });
  });

  it('treats an empty variable as unset', () => {
    assert.equal(loadConfig({ S3_URL: '' }).stores.s3, undefined);
  });

  it('names every bad variable in one error', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', MONGODB_URL: 'http://x', GRAPHIQL: 'maybe' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /PORT: /);
        assert.match(error.message, /MONGODB_URL: expected a mongodb or mongodb\+srv URL/);
        assert.match(error.message, /GRAPHIQL: expected true or false/);
        return true;
      },
    );
  });

  it('pings WebSockets every 15 s unless WS_KEEPALIVE_MS says otherwise, 0 turning pings off', () => {
    assert.equal(loadConfig({}).wsKeepAliveMs, 15000);
    assert.equal(loadConfig({ WS_KEEPALIVE_MS: '0' }).wsKeepAliveMs, 0);
    assert.throws(
      () => loadConfig({ WS_KEEPALIVE_MS: '10' }),
      /WS_KEEPALIVE_MS: expected 0 \(off\) or at least 100/,
    );
  });

  it('returns a frozen object', () => {
    const config = loadConfig({ INFLUX_URL: 'http://127.0.0.1:8086' });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.stores));
    assert.ok(Object.isFrozen(config.stores.influx));
  });

  it('is documented variable by variable in .env.example', () => {
    const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    const listed = [...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]);
    assert.deepEqual([...listed].sort(), [...ENV_VARIABLES].sort());
  });
});
