import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SourcesDocument, WatchSourcesDocument } from '../generated/graphql.js';
import {
  authHeaders,
  graphql,
  startTestGateway,
  takeResults,
  type TestGateway,
  wsClient,
} from '../helpers/gateway.js';

describe('gateway on embedded defaults', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway();
  });
  after(() => gateway.close());

  it('runs the raw zone and catalog embedded, and lists the other stores as not configured', async () => {
    const { status, body } = await graphql(gateway, SourcesDocument);
    assert.equal(status, 200);
    assert.equal(body.errors, undefined);
    assert.deepEqual(
      body.data?.sources.map((s) => [s.name, s.kind, s.status, s.endpoint]),
      [
        ['raw', 'FILESYSTEM', 'UP', `file://${gateway.services.config.dataDir}/raw`],
        ['catalog', 'EMBEDDED', 'UP', `file://${gateway.services.config.dataDir}/catalog`],
        ['timeseries', 'INFLUXDB', 'NOT_CONFIGURED', null],
        ['graph', 'NEO4J', 'NOT_CONFIGURED', null],
        ['tables', 'CASSANDRA', 'NOT_CONFIGURED', null],
        ['broker', 'REDIS', 'NOT_CONFIGURED', null],
        ['airflow', 'AIRFLOW', 'NOT_CONFIGURED', null],
      ],
    );
  });

  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${gateway.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${gateway.url}/readyz`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { status: string; sources: Record<string, { status: string }> };
    assert.equal(body.status, 'ready');
    assert.equal(body.sources['catalog']?.status, 'UP');
    assert.equal(body.sources['graph']?.status, 'NOT_CONFIGURED');
  });

  it('answers /metrics with the memory and event-loop lag a monitor reads', async () => {
    const res = await fetch(`${gateway.url}/metrics`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      memory: { rssBytes: number };
      eventLoopLagMs: { p50: number; p99: number; max: number };
    };
    assert.ok(body.memory.rssBytes > 0);
    const { p50, p99, max } = body.eventLoopLagMs;
    assert.ok(0 <= p50 && p50 <= p99 && p99 <= max, JSON.stringify(body.eventLoopLagMs));
  });

  it('echoes a caller request id and makes one when there is none', async () => {
    const given = await graphql(gateway, SourcesDocument, {}, { 'x-request-id': 'abc-123' });
    assert.equal(given.headers.get('x-request-id'), 'abc-123');
    const made = await graphql(gateway, SourcesDocument, {}, { 'x-request-id': 'no spaces or <tags>' });
    assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('answers GraphQL with cache-control: no-store, the answers being per caller', async () => {
    const answered = await graphql(gateway, SourcesDocument);
    assert.equal(answered.headers.get('cache-control'), 'no-store');
    const refused = await graphql(gateway, SourcesDocument, {}, { authorization: 'Bearer not-a-token' });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('cache-control'), 'no-store');
  });

  it('codes parse and validation errors', async () => {
    const post = (query: string) =>
      fetch(gateway.graphqlUrl, {
        method: 'POST',
        headers: authHeaders(gateway, { 'content-type': 'application/json' }),
        body: JSON.stringify({ query }),
      }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { errors: { extensions: { code: string } }[] },
      }));
    const broken = await post('{ sources { name ');
    assert.equal(broken.status, 400);
    assert.equal(broken.body.errors[0]?.extensions.code, 'GRAPHQL_PARSE_FAILED');
    const unknown = await post('{ nope }');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.errors[0]?.extensions.code, 'GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses a simple GET request that lacks a CSRF preflight header', async () => {
    const res = await fetch(`${gateway.graphqlUrl}?query=${encodeURIComponent('{ sources { name } }')}`);
    assert.equal(res.status, 400, 'a GET without content-type or apollo-require-preflight is refused');
    const ok = await fetch(`${gateway.graphqlUrl}?query=${encodeURIComponent('{ sources { name } }')}`, {
      headers: authHeaders(gateway, { 'apollo-require-preflight': 'true' }),
    });
    assert.equal(ok.status, 200);
  });

  it('streams the sources subscription over WebSocket', async () => {
    const client = wsClient(gateway);
    try {
      const [first] = await takeResults(client, WatchSourcesDocument, 1);
      assert.equal(first?.data?.sources.length, 7);
      assert.deepEqual(
        first?.data?.sources.map((s) => s.status),
        [
          'UP',
          'UP',
          'NOT_CONFIGURED',
          'NOT_CONFIGURED',
          'NOT_CONFIGURED',
          'NOT_CONFIGURED',
          'NOT_CONFIGURED',
        ],
      );
    } finally {
      await client.dispose();
    }
  });

  it('codes validation errors on the WebSocket path too', async () => {
    const client = wsClient(gateway);
    try {
      const error = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: 'subscription { nope }' },
          { next: () => {}, error: resolve, complete: () => {} },
        );
      });
      assert.ok(Array.isArray(error));
      assert.equal(
        (error as { extensions: { code: string } }[])[0]?.extensions.code,
        'GRAPHQL_VALIDATION_FAILED',
      );
      const parseError = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: 'subscription {' }, { next: () => {}, error: resolve, complete: () => {} });
      });
      assert.equal(
        (parseError as { extensions: { code: string } }[])[0]?.extensions.code,
        'GRAPHQL_PARSE_FAILED',
      );
    } finally {
      await client.dispose();
    }
  });

  it('serves GraphiQL to browsers from local assets', async () => {
    const res = await fetch(gateway.graphqlUrl, {
      headers: { accept: 'text/html', 'accept-encoding': 'gzip' },
    });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<title>lakegate<\/title>/);
    assert.doesNotMatch(html, /<script[^>]+src=["']?https?:/, 'no script from a CDN');
    assert.doesNotMatch(html, /<link[^>]+href=["']?https?:/, 'no stylesheet from a CDN');
    const etag = res.headers.get('etag');
    assert.ok(etag);
    const again = await fetch(gateway.graphqlUrl, {
      headers: { accept: 'text/html', 'if-none-match': etag },
    });
    assert.equal(again.status, 304);
  });
});

describe('gateway with a store down', () => {
  let gateway: TestGateway;
  before(async () => {
    // Port 9 (discard) is closed on loopback: the connection is refused at once.
    gateway = await startTestGateway({
      MONGODB_URL: 'mongodb://user:s3cret@127.0.0.1:9/lake',
      SOURCE_TIMEOUT_MS: '500',
    });
  });
  after(() => gateway.close());

  it('reports the store DOWN with a short reason and no credentials', async () => {
    const { body } = await graphql(gateway, SourcesDocument);
    const catalog = body.data?.sources.find((s) => s.name === 'catalog');
    assert.equal(catalog?.status, 'DOWN');
    assert.equal(catalog?.endpoint, 'mongodb://127.0.0.1:9/lake');
    assert.ok(catalog?.detail);
    assert.doesNotMatch(JSON.stringify(body), /s3cret/);
  });

  it('answers /readyz with 503', async () => {
    const res = await fetch(`${gateway.url}/readyz`);
    assert.equal(res.status, 503);
    const text = await res.text();
    assert.match(text, /"catalog":\{"kind":"MONGODB","status":"DOWN"/);
    assert.doesNotMatch(text, /s3cret/);
  });
});
