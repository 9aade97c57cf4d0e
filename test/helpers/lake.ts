import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { print, type FormattedExecutionResult } from 'graphql';
import {
  CreateProjectDocument,
  type CreateProjectMutationVariables,
  UploadFileDocument,
  type UploadFileMutation,
  type UploadFileMutationVariables,
} from '../generated/graphql.js';
import { authHeaders, graphql, type TestGateway } from './gateway.js';
import { uniqueName } from './stack.js';

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export interface FilePart {
  name: string;
  type: string;
  content: Buffer;
}

/** A GraphQL multipart request (the upload spec), as a browser or Apollo Client would send it. */
export async function uploadFile(
  gateway: TestGateway,
  variables: Omit<UploadFileMutationVariables, 'file'>,
  file: FilePart,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: FormattedExecutionResult<UploadFileMutation> }> {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({ query: print(UploadFileDocument), variables: { ...variables, file: null } }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([new Uint8Array(file.content)], { type: file.type }), file.name);
  const res = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    body: form,
    headers: { 'apollo-require-preflight': 'true', ...authHeaders(gateway, headers) },
  });
  return { status: res.status, body: (await res.json()) as FormattedExecutionResult<UploadFileMutation> };
}

export async function createProject(
  gateway: TestGateway,
  profile: CreateProjectMutationVariables['profile'] = null,
  name = uniqueName('p'),
): Promise<string> {
  const { body } = await graphql(gateway, CreateProjectDocument, { name, profile });
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return name;
}

export function errorCode(body: FormattedExecutionResult<unknown>): unknown {
  return body.errors?.[0]?.extensions?.['code'];
}

/**
 * The promise the product makes: every object in the raw zone has an entry (STORED or QUARANTINED),
 * every STORED entry's object is there with its size, and nothing is left PENDING.
 */
export async function assertConsistent(gateway: TestGateway, project: string): Promise<void> {
  const { raw, catalog } = gateway.services;
  const objects = new Map<string, number>();
  // Swift's listings lag behind writes and deletes: a listed key counts only if a HEAD finds it.
  for await (const o of raw.list(project)) if (await raw.stat(project, o.key)) objects.set(o.key, o.size);
  const entries = await catalog.findEntries(project, {}, 10_000);
  const byKey = new Map(entries.map((e) => [e.key, e]));
  for (const [key] of objects) {
    const e = byKey.get(key);
    assert.ok(
      e && (e.status === 'STORED' || e.status === 'QUARANTINED'),
      `object ${key} has a stored entry (${e?.status})`,
    );
  }
  for (const e of entries) {
    assert.notEqual(e.status, 'PENDING', `entry ${e.objectId} is not left pending`);
    if (e.status === 'STORED') {
      const stat = await raw.stat(project, e.key);
      assert.equal(stat?.size, e.size, `object of entry ${e.objectId} is there with its size`);
    }
    if (e.status === 'FAILED')
      assert.equal(await raw.stat(project, e.key), null, `failed entry ${e.objectId} has no object`);
  }
}
