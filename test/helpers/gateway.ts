import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { resolveTokenSettings } from '../../src/auth/local-secret.js';
import { type MintRequest, mintToken } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Gateway, GRAPHQL_PATH, startGateway } from '../../src/server/app.js';

export interface TestGateway extends Gateway {
  graphqlUrl: string;
  wsUrl: string;
  /** A platform admin's token: what graphql() and wsClient() send unless told otherwise. */
  adminToken: string;
  /** Mints a token this gateway accepts (HS256 gateways only). */
  token(request: Omit<MintRequest, 'expiresIn'> & { expiresIn?: string }): Promise<string>;
}

/** The secret test gateways sign tokens with, unless a test configures its own. */
export const TEST_SECRET = 'test-secret-of-at-least-thirty-two-characters';

/** An Authorization header value. */
export const bearer = (token: string) => `Bearer ${token}`;

/**
 * A real gateway on a free port, in this process, configured by `env` only (nothing from the outer
 * environment), with its embedded stores in a fresh temporary folder unless DATA_DIR is given.
 */
export async function startTestGateway(env: Record<string, string | undefined> = {}): Promise<TestGateway> {
  const ownAuth = 'AUTH_JWT_SECRET' in env || 'AUTH_JWKS_URL' in env;
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'lakegate-test-')),
    // Tests count catalog round trips with the driver's command events.
    MONGODB_COMMAND_EVENTS: 'true',
    ...(ownAuth ? {} : { AUTH_JWT_SECRET: TEST_SECRET }),
    // The stores are shared by the whole suite on a small machine: a busy one is not a down one. Tests
    // about deadlines set their own.
    SOURCE_TIMEOUT_MS: '10000',
    ...env,
  });
  const gateway = await startGateway(config, createLogger(config.logLevel));
  const settings = resolveTokenSettings(config.auth);
  const token: TestGateway['token'] = (request) =>
    settings.secret
      ? mintToken({ ...settings, secret: settings.secret }, { expiresIn: '1h', ...request })
      : Promise.reject(new Error('this gateway verifies tokens with a JWKS'));
  return {
    ...gateway,
    graphqlUrl: `${gateway.url}${GRAPHQL_PATH}`,
    wsUrl: `${gateway.url.replace(/^http/, 'ws')}${GRAPHQL_PATH}`,
    adminToken: settings.secret ? await token({ subject: 'test-admin', admin: true, expiresIn: '6h' }) : '',
    token,
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
    headers: { 'content-type': 'application/json', ...authHeaders(gateway, headers) },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as FormattedExecutionResult<TData>,
  };
}

/**
 * `headers` with the admin's Authorization header unless they carry their own; an empty one
 * (`authorization: ''`) sends none.
 */
export function authHeaders(
  gateway: TestGateway,
  headers: Record<string, string> = {},
): Record<string, string> {
  const { authorization = bearer(gateway.adminToken), ...rest } = headers;
  return authorization === '' ? rest : { ...rest, authorization };
}

/** A graphql-ws client whose connection_init carries `token` (the admin's by default). */
export function wsClient(gateway: TestGateway, token = gateway.adminToken): Client {
  return createClient({
    url: gateway.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: { authorization: bearer(token) },
  });
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
