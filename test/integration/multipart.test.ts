import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { print } from 'graphql';
import { UploadFileDocument } from '../generated/graphql.js';
import { authHeaders, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { assertConsistent, createProject, sha256, uploadFile } from '../helpers/lake.js';

interface ErrorBody {
  errors?: { message: string; extensions?: { code?: string } }[];
  data?: unknown;
}

/** Sends a hand-built multipart body, so the tests can break it the ways clients do. */
async function post(
  gateway: TestGateway,
  parts: [name: string, value: string | Blob, filename?: string][],
  headers: Record<string, string> = { 'apollo-require-preflight': 'true' },
): Promise<{ status: number; body: ErrorBody }> {
  const form = new FormData();
  for (const [name, value, filename] of parts) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, value, filename);
  }
  const res = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    body: form,
    headers: authHeaders(gateway, headers),
  });
  return { status: res.status, body: (await res.json()) as ErrorBody };
}

const operations = (project: string) =>
  JSON.stringify({ query: print(UploadFileDocument), variables: { project, metadata: null, file: null } });
const file = () => new Blob([Buffer.from('a,b\n1,2\n')], { type: 'text/csv' });

describe('GraphQL multipart requests', () => {
  let gateway: TestGateway;
  let project: string;
  before(async () => {
    gateway = await startTestGateway();
    project = await createProject(gateway);
  });
  after(() => gateway.close());

  function assertRefused(res: { status: number; body: ErrorBody }, status: number, mentions: RegExp) {
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
    assert.match(res.body.errors?.[0]?.message ?? '', mentions);
  }

  it('refuses a multipart request without a CSRF preflight header, before reading it', async () => {
    const res = await post(
      gateway,
      [
        ['operations', operations(project)],
        ['map', '{"0":["variables.file"]}'],
        ['0', file(), 'a.csv'],
      ],
      {},
    );
    assertRefused(res, 400, /Apollo-Require-Preflight/);
  });

  it('names the field that is not JSON', async () => {
    const res = await post(gateway, [
      ['operations', '{"query":'],
      ['map', '{}'],
    ]);
    assertRefused(res, 400, /operations field is not valid JSON/);
  });

  it('refuses a map that comes before operations', async () => {
    const res = await post(gateway, [
      ['map', '{"0":["variables.file"]}'],
      ['operations', operations(project)],
    ]);
    assertRefused(res, 400, /operations field must come before map/);
  });

  it('refuses a map path that does not point at a null variable', async () => {
    const res = await post(gateway, [
      ['operations', operations(project)],
      ['map', '{"0":["variables.nothing.here"]}'],
      ['0', file(), 'a.csv'],
    ]);
    assertRefused(res, 400, /map path variables\.nothing\.here/);
  });

  it('refuses a map entry that does not list paths', async () => {
    const res = await post(gateway, [
      ['operations', operations(project)],
      ['map', '{"0":"variables.file"}'],
    ]);
    assertRefused(res, 400, /map entry 0 must list variable paths/);
  });

  it('refuses a body that is not multipart at all', async () => {
    const res = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      body: 'just text',
      headers: authHeaders(gateway, {
        'content-type': 'multipart/form-data',
        'apollo-require-preflight': 'true',
      }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as ErrorBody;
    assert.match(body.errors?.[0]?.message ?? '', /multipart/);
  });

  it('answers the operation with a coded error when the mapped file never comes, and stores nothing', async () => {
    const res = await post(gateway, [
      ['operations', operations(project)],
      ['map', '{"0":["variables.file"]}'],
    ]);
    assert.equal(res.status, 200);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
    assert.match(res.body.errors?.[0]?.message ?? '', /file 0 is missing/);
    await assertConsistent(gateway, project);
    assert.equal((await gateway.services.catalog.findEntries(project, {}, 10)).length, 0);
  });

  it('catalogs the type the extension says when the client sends application/octet-stream, as curl does', async () => {
    const sent = (name: string, type: string) =>
      uploadFile(gateway, { project }, { name, type, content: Buffer.from(`${name}\n`) });
    const types = [];
    for (const [name, type] of [
      ['a.csv', 'application/octet-stream'],
      ['b.json', 'application/octet-stream'],
      ['c.bin', 'application/octet-stream'],
      ['d.csv', 'text/plain'],
    ]) {
      types.push((await sent(name!, type!)).body.data?.uploadFile.object.contentType);
    }
    assert.deepEqual(types, ['text/csv', 'application/json', 'application/octet-stream', 'text/plain']);
  });

  it('still takes a well-formed upload after all of that', async () => {
    const content = Buffer.from('x,y\n3,4\n');
    const { body } = await uploadFile(gateway, { project }, { name: 'ok.csv', type: 'text/csv', content });
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.equal(body.data?.uploadFile.object.sha256, sha256(content));
  });
});
