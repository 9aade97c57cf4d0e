import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { spawnGateway } from '../helpers/process.js';

/** A TCP server that accepts connections and never answers: a store that hangs. */
function silentServer(): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    }),
  );
}

describe('graceful drain on SIGTERM', () => {
  let hanging: { server: Server; port: number };
  before(async () => {
    hanging = await silentServer();
  });
  after(() => {
    hanging.server.close();
  });

  it('finishes the request in flight, closes WebSockets with 1001 and exits 0', async () => {
    const gw = await spawnGateway({
      MONGODB_URL: `mongodb://127.0.0.1:${hanging.port}/x`,
      SOURCE_TIMEOUT_MS: '1500',
    });
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${gw.adminToken}` } }),
    );
    await new Promise((resolve) => ws.once('message', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));

    // This query waits ~1.5 s on the hanging store; SIGTERM arrives while it runs.
    const inFlight = fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.adminToken}` },
      body: JSON.stringify({ query: '{ sources { name status } }' }),
    });
    await new Promise((r) => setTimeout(r, 300));
    gw.child.kill('SIGTERM');

    const res = await inFlight;
    assert.equal(res.status, 200);
    const body = (await res.json()) as { data: { sources: { name: string; status: string }[] } };
    assert.equal(body.data.sources.find((s) => s.name === 'catalog')?.status, 'DOWN');
    assert.equal(await closed, 1001);
    assert.equal(await gw.exited, 0);
    assert.ok(gw.logs.some((l) => l['msg'] === 'stopped'));
  });
});

describe('gateway process', () => {
  it('logs each request as JSON with the request id it returns', async () => {
    const gw = await spawnGateway();
    try {
      const res = await fetch(`${gw.url}/healthz`, { headers: { 'x-request-id': 'trace-42' } });
      assert.equal(res.headers.get('x-request-id'), 'trace-42');
      await new Promise((r) => setTimeout(r, 100));
      const line = gw.logs.find((l) => l['msg'] === 'request' && l['requestId'] === 'trace-42');
      assert.ok(line, 'a request log line carries the id');
      assert.equal(line['path'], '/healthz');
      assert.equal(line['status'], 200);
    } finally {
      gw.child.kill('SIGTERM');
      await gw.exited;
    }
  });

  it('refuses to start on a bad variable, naming it', () => {
    const main = fileURLToPath(new URL('../../src/main.js', import.meta.url));
    const run = spawnSync(process.execPath, [main], {
      env: { PATH: process.env['PATH'] ?? '', PORT: 'eighty', NEO4J_URL: 'http://localhost:7687' },
      encoding: 'utf8',
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /invalid configuration/);
    assert.match(run.stderr, /PORT: /);
    assert.match(run.stderr, /NEO4J_URL: expected a bolt or bolt\+s or neo4j or neo4j\+s URL/);
  });
});
