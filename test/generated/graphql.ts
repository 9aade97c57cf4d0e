/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Live state of a source. */
export type SourceState =
  /** Configured, but did not answer in time or refused the request. */
  | 'DOWN'
  /** No URL was given for this store; fields that need it fail. */
  | 'NOT_CONFIGURED'
  /** Answered a real request just now. */
  | 'UP';

/** The kind of store behind a source. */
export type StoreKind =
  | 'CASSANDRA'
  /** The embedded catalog: a journal file on the gateway host (default without MONGODB_URL). */
  | 'EMBEDDED'
  /** The embedded raw zone: a folder on the gateway host (default without S3_URL). */
  | 'FILESYSTEM'
  | 'INFLUXDB'
  | 'MONGODB'
  | 'NEO4J'
  | 'REDIS'
  | 'S3';

export type SourcesQueryVariables = Exact<{ [key: string]: never; }>;


export type SourcesQuery = { sources: Array<{ name: string, kind: StoreKind, endpoint: string | null, status: SourceState, latencyMs: number | null, detail: string | null, checkedAt: string }> };

export type WatchSourcesSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type WatchSourcesSubscription = { sources: Array<{ name: string, status: SourceState }> };


export const SourcesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Sources"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sources"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"endpoint"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}},{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}}]}}]}}]} as unknown as DocumentNode<SourcesQuery, SourcesQueryVariables>;
export const WatchSourcesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"WatchSources"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sources"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]} as unknown as DocumentNode<WatchSourcesSubscription, WatchSourcesSubscriptionVariables>;