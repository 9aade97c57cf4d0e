import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { buildSchema, Kind, parse, print, specifiedRules, validate } from 'graphql';
import { type Client } from 'graphql-ws';
import { loadConfig } from '../../src/config.js';
import { operationChecks } from '../../src/server/limits.js';
import { LakeViewDocument } from '../generated/graphql.js';
import { authHeaders, graphql, startTestGateway, type TestGateway, wsClient } from '../helpers/gateway.js';
import { createProject } from '../helpers/lake.js';

interface Reply {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function post(
  gateway: TestGateway,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: authHeaders(gateway, { 'content-type': 'application/json', ...headers }),
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

/** Runs one operation over WebSocket and resolves with its error list (or [] when it returned data). */
function overWebSocket(
  client: Client,
  query: string,
): Promise<{ message: string; extensions?: { code?: string } }[]> {
  return new Promise((resolve, reject) => {
    client.subscribe(
      { query },
      {
        next: (result) => resolve((result.errors ?? []) as never),
        error: (error) => (Array.isArray(error) ? resolve(error) : reject(error as Error)),
        complete: () => resolve([]),
      },
    );
  });
}

const repeat = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(' ');
const nested = (levels: number, inner: string): string =>
  levels === 0 ? inner : `duplicateOf { ${nested(levels - 1, inner)} }`;

/** One query per limit, each over its default and under every other default. */
const overDefaults = {
  depth: `{ objects(project: "p") { nodes { ${nested(9, 'objectId')} } } }`,
  aliases: `{ ${repeat(16, (i) => `a${i}: sources { name }`)} }`,
  directives: `{ sources { ${repeat(51, () => 'name @include(if: true)')} } }`,
  tokens: `{ sources { ${repeat(1000, () => 'name')} } }`,
  cost: `{ objects(project: "p", first: 100) { nodes { ${nested(7, 'objectId originalName size sha256 contentType owner application status createdAt lastModified')} } } }`,
};
const refusal = {
  depth: /^Query depth limit of 10 exceeded, found 12\.$/,
  aliases: /^Aliases limit of 15 exceeded, found 16\.$/,
  directives: /^Directives limit of 50 exceeded, found 51\.$/,
  tokens: /^Token limit of 1000 exceeded\.$/,
  cost: /^Query Cost limit of 50000 exceeded, found [\d.]+\.$/,
};

describe('operation limits', () => {
  let gateway: TestGateway;
  let client: Client;
  before(async () => {
    gateway = await startTestGateway();
    client = wsClient(gateway);
  });
  after(async () => {
    await client.dispose();
    await gateway.close();
  });

  it('let every operation of the test suites through with the defaults', () => {
    const schema = buildSchema(readFileSync(new URL('../../../schema.graphql', import.meta.url), 'utf8'));
    const checks = operationChecks(loadConfig({}).operationLimits);
    const folder = new URL('../../../test/operations/', import.meta.url);
    let operations = 0;
    for (const file of readdirSync(folder)) {
      const document = parse(readFileSync(new URL(file, folder), 'utf8'), checks.parseOptions);
      // The limit rules judge each operation of the file on its own.
      assert.deepEqual(validate(schema, document, [...specifiedRules, ...checks.validationRules]), [], file);
      operations += document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
    }
    assert.ok(operations >= 25, `checked ${operations} operations`);
  });

  it('run the nested lineage view over HTTP with the defaults', async () => {
    const project = await createProject(gateway);
    const { status, body } = await graphql(gateway, LakeViewDocument, { project, first: 100 });
    assert.equal(status, 200);
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.deepEqual(body.data?.objects.nodes, []);
  });

  for (const limit of Object.keys(overDefaults) as (keyof typeof overDefaults)[]) {
    it(`refuse an operation over the ${limit} limit, on HTTP and WebSocket alike`, async () => {
      const http = await post(gateway, { query: overDefaults[limit] });
      assert.equal(http.status, 400);
      const refused = http.body.errors?.find((e) => refusal[limit].test(e.message));
      assert.ok(refused, JSON.stringify(http.body.errors));
      assert.equal(refused.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
      assert.equal(http.body.data, undefined, 'nothing ran');

      const ws = await overWebSocket(client, overDefaults[limit]);
      const wsRefused = ws.find((e) => refusal[limit].test(e.message));
      assert.ok(wsRefused, JSON.stringify(ws));
      assert.equal(wsRefused.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    });
  }

  it('refuse a batch of operations in one HTTP request', async () => {
    const query = print(parse('{ sources { name } }'));
    const { status, body } = await post(gateway, [{ query }, { query }]);
    assert.equal(status, 400);
    assert.equal(body.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
    assert.match(body.errors?.[0]?.message ?? '', /batching disabled/i);
  });

  it('answer a malformed JSON body with a coded 400, not an HTML page', async () => {
    const res = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{ "query": ',
    });
    assert.equal(res.status, 400);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as Reply['body'];
    assert.deepEqual(body.errors, [
      { message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } },
    ]);
  });

  it('answer a body over 1 MiB with a coded 413', async () => {
    const { status, body } = await post(gateway, {
      query: `{ sources { name } } # ${'x'.repeat(1024 * 1024)}`,
    });
    assert.equal(status, 413);
    assert.equal(body.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
    assert.match(body.errors?.[0]?.message ?? '', /too large/);
  });

  it('keep field suggestions outside production', async () => {
    const { body } = await post(gateway, { query: '{ sources { nme } }' });
    assert.match(body.errors?.[0]?.message ?? '', /Did you mean "name"\?/);
  });
});

describe('operation limits from the environment', () => {
  let gateway: TestGateway;
  let client: Client;
  before(async () => {
    gateway = await startTestGateway({
      GRAPHQL_MAX_DEPTH: '2',
      GRAPHQL_MAX_ALIASES: '1',
      GRAPHQL_MAX_DIRECTIVES: '1',
      GRAPHQL_MAX_TOKENS: '25',
      GRAPHQL_MAX_COST: '10',
    });
    client = wsClient(gateway);
  });
  after(async () => {
    await client.dispose();
    await gateway.close();
  });

  const cases: [string, string, RegExp][] = [
    [
      'depth',
      '{ objects(project: "p") { nodes { objectId } } }',
      /^Query depth limit of 2 exceeded, found 3\.$/,
    ],
    ['aliases', '{ a: sources { name } b: sources { name } }', /^Aliases limit of 1 exceeded, found 2\.$/],
    [
      'directives',
      '{ sources { name @skip(if: false) kind @skip(if: false) } }',
      /^Directives limit of 1 exceeded, found 2\.$/,
    ],
    ['tokens', `{ sources { ${repeat(25, () => 'name')} } }`, /^Token limit of 25 exceeded\.$/],
    [
      'cost',
      '{ sources { name kind endpoint status latencyMs detail } }',
      /^Query Cost limit of 10 exceeded/,
    ],
  ];
  for (const [limit, query, message] of cases) {
    it(`applies GRAPHQL_MAX_${limit.toUpperCase()} on both paths`, async () => {
      const http = await post(gateway, { query });
      assert.equal(http.status, 400);
      assert.ok(
        http.body.errors?.some(
          (e) => message.test(e.message) && e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED',
        ),
        JSON.stringify(http.body.errors),
      );
      const ws = await overWebSocket(client, query);
      assert.ok(
        ws.some((e) => message.test(e.message) && e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED'),
        JSON.stringify(ws),
      );
    });
  }

  it('still runs what is under every limit', async () => {
    const { status, body } = await post(gateway, { query: '{ sources { name } }' });
    assert.equal(status, 200);
    assert.equal(body.errors, undefined);
    assert.deepEqual(await overWebSocket(client, '{ sources { name } }'), []);
  });
});

describe('in production', () => {
  let gateway: TestGateway;
  let client: Client;
  before(async () => {
    gateway = await startTestGateway({ NODE_ENV: 'production' });
    client = wsClient(gateway);
  });
  after(async () => {
    await client.dispose();
    await gateway.close();
  });

  it('hides field, argument and enum value suggestions on both paths', async () => {
    const queries = [
      ['{ sources { nme } }', 'Cannot query field "nme" on type "Source".'],
      [
        '{ objects(projet: "p") { nodes { objectId } } }',
        'Unknown argument "projet" on field "Query.objects".',
      ],
      [
        '{ objects(project: "p", filter: { status: STORD }) { nodes { objectId } } }',
        'Value "STORD" does not exist in "ObjectStatus" enum.',
      ],
    ];
    for (const [query, message] of queries) {
      const http = await post(gateway, { query });
      assert.equal(http.status, 400);
      assert.ok(
        http.body.errors?.some((e) => e.message === message),
        `${query}: ${JSON.stringify(http.body.errors)}`,
      );
      assert.doesNotMatch(JSON.stringify(http.body), /Did you mean/);
      const ws = await overWebSocket(client, query!);
      assert.ok(
        ws.some((e) => e.message === message),
        `${query}: ${JSON.stringify(ws)}`,
      );
      assert.doesNotMatch(JSON.stringify(ws), /Did you mean/);
    }
  });

  it('refuses introspection on both paths', async () => {
    const query = '{ __schema { types { name } } }';
    const http = await post(gateway, { query });
    assert.equal(http.status, 400);
    assert.equal(http.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(http.body.errors?.[0]?.message ?? '', /introspection/i);
    const ws = await overWebSocket(client, query);
    assert.equal(ws[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(ws[0]?.message ?? '', /introspection/i);
    const byType = await overWebSocket(client, '{ __type(name: "Source") { fields { name } } }');
    assert.equal(byType[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
  });

  it('serves no GraphiQL page', async () => {
    const res = await fetch(gateway.graphqlUrl, { headers: { accept: 'text/html' } });
    assert.notEqual(res.status, 200);
    assert.doesNotMatch(res.headers.get('content-type') ?? '', /html/);
    assert.doesNotMatch(await res.text(), /graphiql/i);
  });
});
