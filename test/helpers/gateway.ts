import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Gateway, GRAPHQL_PATH, startGateway } from '../../src/server/app.js';

export interface TestGateway extends Gateway {
  graphqlUrl: string;
  wsUrl: string;
}

/**
 * A real gateway on a free port, in this process, configured by `env` only (nothing from the outer
 * environment), with its embedded stores in a fresh temporary folder unless DATA_DIR is given.
 */
export async function startTestGateway(env: Record<string, string | undefined> = {}): Promise<TestGateway> {
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'lakegate-test-')),
    ...env,
  });
  const gateway = await startGateway(config, createLogger(config.logLevel));
  return {
    ...gateway,
    graphqlUrl: `${gateway.url}${GRAPHQL_PATH}`,
    wsUrl: `${gateway.url.replace(/^http/, 'ws')}${GRAPHQL_PATH}`,
  };
}

export async function graphql<TData, TVars>(
  gateway: TestGateway,
  document: TypedDocumentNode<TData, TVars>,
  variables?: TVars,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: FormattedExecutionResult<TData> }> {
  const res = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as FormattedExecutionResult<TData>,
  };
}

export function wsClient(gateway: TestGateway): Client {
  return createClient({ url: gateway.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}

/** Collects `count` results of a subscription, then completes it. */
export function takeResults<TData, TVars>(
  client: Client,
  document: TypedDocumentNode<TData, TVars>,
  count: number,
  variables?: TVars,
): Promise<FormattedExecutionResult<TData>[]> {
  const results: FormattedExecutionResult<TData>[] = [];
  return new Promise((resolve, reject) => {
    const unsubscribe = client.subscribe<TData>(
      { query: print(document), variables: variables as Record<string, unknown> | undefined },
      {
        next: (result) => {
          results.push(result as FormattedExecutionResult<TData>);
          if (results.length === count) {
            unsubscribe();
            resolve(results);
          }
        },
        error: reject,
        complete: () => resolve(results),
      },
    );
  });
}
