import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { mintToken } from '../../src/auth/tokens.js';
import { WatchSourcesDocument } from '../generated/graphql.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const SECRET = 'a-test-secret-of-at-least-32-characters';
const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const settings = { secret: SECRET, issuer: 'lakegate', audience: 'lakegate' };

describe('bearer tokens at the door', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({ AUTH_JWT_SECRET: SECRET });
  });
  after(() => gateway.close());

  const post = (authorization?: string, target = gateway) =>
    fetch(target.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
      body: JSON.stringify({ query: '{ projects { name } }' }),
    });

  it('takes a valid token over HTTP, and answers 401 UNAUTHENTICATED to a bad one', async () => {
    const token = await mintToken(settings, { subject: 'ana', projects: { p: 'viewer' }, expiresIn: '5m' });
    assert.equal((await post(`Bearer ${token}`)).status, 200);
    for (const bad of [
      `Bearer ${await mintToken({ ...settings, secret: 'another-secret-of-at-least-32-chars!' }, { subject: 'x', expiresIn: '5m' })}`,
      `Bearer ${token.slice(0, -4)}abcd`,
      'Basic dXNlcjpwYXNz',
    ]) {
      const res = await post(bad);
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);
      const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      assert.equal(body.errors[0]!.extensions.code, 'UNAUTHENTICATED');
      assert.ok(!body.errors[0]!.message.includes(token), 'the token is not echoed');
    }
  });

  it("takes a token minted by `lakegate token` with the gateway's secret", async () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [cli, 'token', ...args], {
        env: { PATH: process.env['PATH'], AUTH_JWT_SECRET: SECRET },
        encoding: 'utf8',
      });
    const minted = run('--subject', 'ana', '--project', 'sensors', '--role', 'editor', '--expires', '10m');
    assert.equal(minted.status, 0, minted.stderr);
    assert.equal((await post(`Bearer ${minted.stdout.trim()}`)).status, 200);
    const wrong = run('--subject', 'ana', '--project', 'sensors', '--role', 'owner');
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /lakegate token/);
  });

  it('signs with a secret kept in DATA_DIR when none is configured, which `lakegate token` uses too', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lakegate-auth-'));
    const local = await startTestGateway({ AUTH_JWT_SECRET: undefined, DATA_DIR: dataDir });
    try {
      const minted = spawnSync(process.execPath, [cli, 'token', '--admin'], {
        env: { PATH: process.env['PATH'], DATA_DIR: dataDir },
        encoding: 'utf8',
      });
      assert.equal(minted.status, 0, minted.stderr);
      assert.equal((await post(`Bearer ${minted.stdout.trim()}`, local)).status, 200);
      assert.equal(statSync(join(dataDir, 'auth-secret')).mode & 0o077, 0, 'only its owner reads the secret');
      const foreign = await post(
        `Bearer ${await mintToken(settings, { subject: 'x', expiresIn: '5m' })}`,
        local,
      );
      assert.equal(foreign.status, 401);
    } finally {
      await local.close();
    }
  });

  it('answers UNAUTHENTICATED to every field of an anonymous request, and lets introspection through', async () => {
    const body = (await (await post()).json()) as {
      data: unknown;
      errors: { extensions: { code: string } }[];
    };
    assert.equal(body.data, null);
    assert.deepEqual(
      body.errors.map((e) => e.extensions.code),
      ['UNAUTHENTICATED'],
    );
    const schema = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
    });
    assert.deepEqual(await schema.json(), { data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('refuses an anonymous upload with 401 before reading its body', async () => {
    const res = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x', 'apollo-require-preflight': 'true' },
      body: '--x\r\n',
    });
    assert.equal(res.status, 401);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    assert.equal(body.errors[0]!.extensions.code, 'UNAUTHENTICATED');
  });

  const socketWith = (authorization: string | undefined) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(gateway.graphqlUrl.replace('http', 'ws'), 'graphql-transport-ws');
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization } })));
      ws.on('close', (code) => resolve(code));
    });

  it('closes a WebSocket whose connection_init carries a bad token, or none, with 4403', async () => {
    assert.equal(await socketWith('Bearer not-a-token'), 4403);
    assert.equal(await socketWith(undefined), 4403);
  });

  it('keeps a subscription while its token is valid, and ends it with 4403 when the token expires', async () => {
    const token = await mintToken(settings, { subject: 'ana', admin: true, expiresIn: '2s' });
    let closed: number | undefined;
    const client = createClient({
      url: gateway.graphqlUrl.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      on: { closed: (event) => (closed = (event as { code: number }).code) },
    });
    try {
      const iterator = client.iterate({ query: print(WatchSourcesDocument) });
      const first = await iterator.next();
      assert.equal(first.done, false, 'the subscription runs');
      const deadline = Date.now() + 10_000;
      while (closed === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(closed, 4403);
    } finally {
      await client.dispose();
    }
  });
});
