import assert from 'node:assert/strict';
import { print } from 'graphql';
import { CreateProjectDocument, UploadFileDocument } from '../test/generated/graphql.js';

export interface Endpoint {
  url: string;
  headers: Record<string, string>;
}

/** POSTs a GraphQL request body; resolves with the answer's text, which must come with a 200. */
export async function post(endpoint: Endpoint, body: string): Promise<string> {
  const res = await fetch(endpoint.url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...endpoint.headers },
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return text;
}

/**
 * A project of 120 small objects uploaded through the gateway. One object in four repeats the content
 * of an earlier one, so the newest 100 (objects 21 to 120) have duplicateOf pointing both inside the
 * page (24 … 40) and at older objects outside it (4 … 20).
 */
export async function seedCatalog(gateway: Endpoint, project: string): Promise<void> {
  const created = await post(
    gateway,
    JSON.stringify({ query: print(CreateProjectDocument), variables: { name: project } }),
  );
  assert.equal((JSON.parse(created) as { errors?: unknown }).errors, undefined, created);
  const types = ['text/plain', 'text/csv', 'application/json'];
  for (let i = 1; i <= 120; i++) {
    const same = i % 4 === 0 ? i % 40 : i;
    const type = types[i % 3]!;
    const form = new FormData();
    const variables = { project, file: null, metadata: { owner: ['ana', 'ben', 'carla'][i % 3] } };
    form.append('operations', JSON.stringify({ query: print(UploadFileDocument), variables }));
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([`content ${same}\n`], { type }), `file-${i}.${type.split('/')[1]}`);
    const res = await fetch(gateway.url, {
      method: 'POST',
      body: form,
      headers: { 'apollo-require-preflight': 'true', ...gateway.headers },
    });
    const body = (await res.json()) as { errors?: unknown };
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  }
}
