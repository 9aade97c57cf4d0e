import { type TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type FormattedExecutionResult } from 'graphql';
import {
  UploadFileDocument,
  type UploadFileMutation,
  type UploadFileMutationVariables,
} from '../../generated/graphql.js';
import { type FilePart } from '../../helpers/lake.js';

/** A gateway's GraphQL URL and the token a caller sends it. */
export interface Endpoint {
  graphqlUrl: string;
  token: string;
}

export type Answer<T> = FormattedExecutionResult<T> & { status: number };

export async function ask<TData, TVars>(
  to: Endpoint,
  document: TypedDocumentNode<TData, TVars>,
  variables: TVars,
): Promise<Answer<TData>> {
  const res = await fetch(to.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${to.token}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return { status: res.status, ...((await res.json()) as FormattedExecutionResult<TData>) };
}

/** uploadFile as a GraphQL multipart request. */
export async function upload(
  to: Endpoint,
  variables: Omit<UploadFileMutationVariables, 'file'>,
  file: FilePart,
): Promise<Answer<UploadFileMutation>> {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({ query: print(UploadFileDocument), variables: { ...variables, file: null } }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([new Uint8Array(file.content)], { type: file.type }), file.name);
  const res = await fetch(to.graphqlUrl, {
    method: 'POST',
    body: form,
    headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${to.token}` },
  });
  return { status: res.status, ...((await res.json()) as FormattedExecutionResult<UploadFileMutation>) };
}

/** Why an answer is a failure (an HTTP status other than 200, or any GraphQL error); null when it is not. */
export function failureOf(answer: Answer<unknown>): string | null {
  const error = answer.errors?.[0];
  if (error) return `${String(error.extensions?.['code'])}: ${error.message}`;
  return answer.status === 200 ? null : `HTTP ${answer.status}`;
}
