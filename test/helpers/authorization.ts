import assert from 'node:assert/strict';
import { type TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type FormattedExecutionResult, type GraphQLFormattedError, print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { bearer, type TestGateway, wsClient } from './gateway.js';

/** What a caller holds on the project under test, from nothing to everything. */
export const LEVELS = ['anonymous', 'authenticated', 'viewer', 'editor', 'admin', 'platformAdmin'] as const;
export type Level = (typeof LEVELS)[number];
/** What a root field asks of its caller: any principal, a role in the project, or a platform admin. */
export type Need = Exclude<Level, 'anonymous'>;

export interface Caller {
  name: string;
  level: Level;
  /** null: no Authorization header, no connection_init token. */
  token: string | null;
}

export const holds = (caller: Caller, need: Need) => LEVELS.indexOf(caller.level) >= LEVELS.indexOf(need);

/** graphql() and uploadFile() headers for the caller: its token, or none at all. */
export const headersOf = (caller: Caller) => ({ authorization: caller.token ? bearer(caller.token) : '' });

/** A response, with what the request itself carried: a secret the caller sent is no leak. */
export interface Answer {
  status: number;
  body: FormattedExecutionResult<Record<string, unknown>>;
  sent: string;
}

export const codesOf = (errors: readonly GraphQLFormattedError[] | undefined) =>
  (errors ?? []).map((e) => e.extensions?.['code']);

/** Fails when the response shows one of `secrets` that the request did not carry. */
export function assertShowsNone(text: string, sent: string, secrets: readonly string[], what: string): void {
  for (const secret of secrets) {
    if (!sent.includes(secret)) assert.ok(!text.includes(secret), `${what} shows ${secret}: ${text}`);
  }
}

/** The field is refused with `code` alone, its data is null, and the body shows none of the secrets. */
export function assertRefused(
  answer: Answer,
  field: string,
  code: 'FORBIDDEN' | 'UNAUTHENTICATED',
  secrets: readonly string[],
  what: string,
): void {
  const text = JSON.stringify(answer.body);
  assert.deepEqual(codesOf(answer.body.errors), [code], `${what}: ${text}`);
  assert.equal(answer.body.data?.[field] ?? null, null, `${what}: no data`);
  assertShowsNone(text, answer.sent, secrets, what);
}

/** Neither FORBIDDEN nor UNAUTHENTICATED: the caller got past authorization. */
export function assertNotRefused(answer: Answer, what: string): void {
  const codes = codesOf(answer.body.errors);
  assert.ok(
    !codes.includes('FORBIDDEN') && !codes.includes('UNAUTHENTICATED'),
    `${what}: ${JSON.stringify(answer.body)}`,
  );
}

/** What one subscription delivered, until it ended. */
export interface Feed<T> {
  data: T[];
  errors: GraphQLFormattedError[];
  /** The socket's close code, when the connection itself was refused. */
  closeCode: number | null;
  /** True once the server (or the socket) ended it. */
  done: boolean;
  /** All of it, for leak checks. */
  text(): string;
  /** Resolves once `test` holds on what arrived; rejects after `ms` (a deadline, not a measurement). */
  until(test: (feed: Feed<T>) => boolean, what: string, ms?: number): Promise<void>;
  stop(): void;
}

export function follow<T, V>(client: Client, document: TypedDocumentNode<T, V>, variables: V): Feed<T> {
  const waiters: (() => void)[] = [];
  const wake = () => waiters.forEach((w) => w());
  const raw: unknown[] = [];
  const feed: Feed<T> = {
    data: [],
    errors: [],
    closeCode: null,
    done: false,
    text: () => JSON.stringify(raw),
    stop: () => {},
    until: (test, what, ms = 90_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms; ${feed.text()}`)), ms);
        const check = () => {
          if (!test(feed)) return;
          clearTimeout(timer);
          resolve();
        };
        waiters.push(check);
        check();
      }),
  };
  feed.stop = client.subscribe<T>(
    { query: print(document), variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        raw.push(result);
        if (result.data) feed.data.push(result.data as T);
        if (result.errors) feed.errors.push(...result.errors);
        wake();
      },
      error: (error) => {
        raw.push(error);
        if (Array.isArray(error)) feed.errors.push(...(error as GraphQLFormattedError[]));
        else if (typeof (error as { code?: unknown }).code === 'number')
          feed.closeCode = (error as { code: number }).code;
        feed.done = true;
        wake();
      },
      complete: () => {
        feed.done = true;
        wake();
      },
    },
  );
  return feed;
}

/** A WebSocket client for the caller: its token in connection_init, or no token at all. */
export function clientOf(gateway: TestGateway, caller: Caller): Client {
  if (caller.token) return wsClient(gateway, caller.token);
  return createClient({ url: gateway.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}
