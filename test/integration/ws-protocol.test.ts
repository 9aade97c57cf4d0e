import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { print } from 'graphql';
import { type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  IngestionEventsDocument,
  type IngestionEventsSubscription,
  SourcesDocument,
  WatchSourcesDocument,
} from '../generated/graphql.js';
import { bearer, graphql, startTestGateway, type TestGateway, wsClient } from '../helpers/gateway.js';
import { createProject, uploadFile } from '../helpers/lake.js';

type IngestionEvent = IngestionEventsSubscription['ingestionEvents'];

interface RawSocket {
  socket: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
  /** The next message the server sends, parsed. */
  next(): Promise<{ type: string }>;
  send(message: unknown): void;
}

/** A bare `ws` socket, free to break the graphql-transport-ws protocol. */
async function rawSocket(gateway: TestGateway, protocols = ['graphql-transport-ws']): Promise<RawSocket> {
  const socket = new WebSocket(gateway.wsUrl, protocols);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    closed,
    next: () =>
      new Promise((resolve, reject) => {
        socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as { type: string }));
        socket.once('close', () => reject(new Error('closed before a message came')));
      }),
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
  };
}

async function acknowledged(gateway: TestGateway): Promise<RawSocket> {
  const raw = await rawSocket(gateway);
  raw.send({ type: 'connection_init', payload: { authorization: bearer(gateway.adminToken) } });
  assert.equal((await raw.next()).type, 'connection_ack');
  return raw;
}

const watch = { query: print(WatchSourcesDocument) };

describe('WebSocket protocol abuse', () => {
  let gateway: TestGateway;
  let client: Client;
  let project: string;
  const events: IngestionEvent[] = [];
  let arrived = () => {};
  let ended: string | undefined;

  before(async () => {
    gateway = await startTestGateway({ WS_INIT_TIMEOUT_MS: '300' });
    project = await createProject(gateway);
    client = wsClient(gateway);
    client.subscribe<IngestionEventsSubscription>(
      // after: 0 replays what came before the subscription started, so no event can slip by.
      { query: print(IngestionEventsDocument), variables: { project, after: 0 } },
      {
        next: ({ data }) => {
          if (data) events.push(data.ingestionEvents);
          arrived();
        },
        error: (error) => {
          ended = `error: ${JSON.stringify(error)}`;
          arrived();
        },
        complete: () => {
          ended = 'complete';
          arrived();
        },
      },
    );
  });
  after(async () => {
    await client.dispose();
    await gateway.close();
  });

  /** The well-behaved client still gets its events, and the process still answers HTTP. */
  async function assertStillServing(): Promise<void> {
    const health = await fetch(`${gateway.url}/healthz`);
    assert.equal(health.status, 200);
    const { body } = await graphql(gateway, SourcesDocument);
    assert.equal(body.errors, undefined);

    const upload = await uploadFile(
      gateway,
      { project },
      { name: 'a.txt', type: 'text/plain', content: Buffer.from('hi') },
    );
    const uploadId = upload.body.data?.uploadFile.uploadId;
    assert.ok(uploadId, JSON.stringify(upload.body.errors));
    const cataloged = () => events.some((e) => e.uploadId === uploadId && e.type === 'CATALOGED');
    while (!cataloged() && !ended) await new Promise<void>((resolve) => (arrived = resolve));
    assert.equal(ended, undefined, 'the well-behaved subscription is still running');
  }

  it('closes a socket that sends no connection_init in time with 4408', async () => {
    const raw = await rawSocket(gateway);
    assert.deepEqual(await raw.closed, { code: 4408, reason: 'Connection initialisation timeout' });
    await assertStillServing();
  });

  it('closes a socket that sends connection_init twice with 4429', async () => {
    const raw = await acknowledged(gateway);
    raw.send({ type: 'connection_init', payload: { authorization: bearer(gateway.adminToken) } });
    assert.deepEqual(await raw.closed, { code: 4429, reason: 'Too many initialisation requests' });
    await assertStillServing();
  });

  it('closes a socket that subscribes before its connection is acknowledged with 4401', async () => {
    const raw = await rawSocket(gateway);
    raw.send({ type: 'subscribe', id: '1', payload: watch });
    assert.deepEqual(await raw.closed, { code: 4401, reason: 'Unauthorized' });
    await assertStillServing();
  });

  it('closes a socket that reuses a running subscription id with 4409', async () => {
    const raw = await acknowledged(gateway);
    raw.send({ type: 'subscribe', id: 'same', payload: watch });
    assert.equal((await raw.next()).type, 'next');
    raw.send({ type: 'subscribe', id: 'same', payload: watch });
    assert.deepEqual(await raw.closed, { code: 4409, reason: 'Subscriber for same already exists' });
    await assertStillServing();
  });

  const garbage: [string, string | Buffer][] = [
    ['text that is not JSON', 'not json {'],
    ['bytes that are not JSON', Buffer.from([0xff, 0x00, 0xfe, 0x7b])],
    ['JSON that is not a message', '[1, 2, 3]'],
    ['an unknown message type', '{"type":"hello"}'],
    ['a subscribe with no query', '{"type":"subscribe","id":"1","payload":{}}'],
  ];
  for (const [what, data] of garbage) {
    it(`closes a socket that sends ${what} with 4400`, async () => {
      const raw = await acknowledged(gateway);
      raw.socket.send(data);
      assert.deepEqual(await raw.closed, { code: 4400, reason: 'Invalid message received' });
      await assertStillServing();
    });
  }

  it('closes a socket whose message is over 1 MiB with 1009', async () => {
    const raw = await acknowledged(gateway);
    raw.send({
      type: 'subscribe',
      id: '1',
      payload: { query: `{ sources { name } } # ${'x'.repeat(1024 * 1024)}` },
    });
    assert.equal((await raw.closed).code, 1009);
    await assertStillServing();
  });

  it('answers a variable of the wrong type with BAD_USER_INPUT, as HTTP does', async () => {
    const client = wsClient(gateway);
    try {
      const iterator = client.iterate({
        query: 'subscription($p: String!) { ingestionEvents(project: $p) { sequence } }',
        variables: { p: { $ne: null } },
      });
      await assert.rejects(
        iterator.next(),
        (errors: { extensions?: { code?: string } }[]) => errors[0]?.extensions?.code === 'BAD_USER_INPUT',
      );
    } finally {
      await client.dispose();
    }
  });

  it('closes a socket that names no subprotocol with 4406', async () => {
    const raw = await rawSocket(gateway, []);
    assert.deepEqual(await raw.closed, { code: 4406, reason: 'Subprotocol not acceptable' });
    await assertStillServing();
  });
});
