import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { print } from 'graphql';
import { type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { IngestionEventsDocument, type IngestionEventsSubscription } from '../generated/graphql.js';
import { bearer, startTestGateway, type TestGateway, wsClient } from '../helpers/gateway.js';
import { createProject, uploadFile } from '../helpers/lake.js';

type IngestionEvent = IngestionEventsSubscription['ingestionEvents'];

/** A subscribed client whose `ws` does not answer pings, as a paused or vanished process would not. */
async function silentSubscriber(gateway: TestGateway, project: string) {
  const socket = new WebSocket(gateway.wsUrl, ['graphql-transport-ws'], { autoPong: false });
  let pings = 0;
  socket.on('ping', () => pings++);
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const acknowledged = new Promise((resolve) => socket.once('message', resolve));
  socket.send(
    JSON.stringify({ type: 'connection_init', payload: { authorization: bearer(gateway.adminToken) } }),
  );
  await acknowledged;
  socket.send(
    JSON.stringify({
      id: '1',
      type: 'subscribe',
      payload: { query: print(IngestionEventsDocument), variables: { project } },
    }),
  );
  return { closed, pings: () => pings };
}

describe('WebSocket keep-alive', () => {
  let gateway: TestGateway;
  let client: Client;
  let project: string;
  const events: IngestionEvent[] = [];
  let arrived = () => {};
  let ended: string | undefined;

  before(async () => {
    gateway = await startTestGateway({ WS_KEEPALIVE_MS: '200' });
    project = await createProject(gateway);
    client = wsClient(gateway);
    client.subscribe<IngestionEventsSubscription>(
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

  it('drops a socket that does not answer its ping, and keeps a client that does', async () => {
    const silent = await silentSubscriber(gateway, project);
    // Terminated without a close frame: the client sees an abnormal closure.
    assert.equal(await silent.closed, 1006);
    assert.ok(silent.pings() >= 1, 'the server pinged before it dropped the socket');

    const upload = await uploadFile(
      gateway,
      { project },
      { name: 'a.txt', type: 'text/plain', content: Buffer.from('hi') },
    );
    const uploadId = upload.body.data?.uploadFile.uploadId;
    assert.ok(uploadId, JSON.stringify(upload.body.errors));
    const cataloged = () => events.some((e) => e.uploadId === uploadId && e.type === 'CATALOGED');
    while (!cataloged() && !ended) await new Promise<void>((resolve) => (arrived = resolve));
    assert.equal(ended, undefined, 'the answering client is still subscribed');
  });
});
