import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client } from 'graphql-ws';
import { ingestionTopic } from '../../src/ingestion/feed.js';
import { type EventTap, type FeedEvent, tapEvents } from '../helpers/events.js';
import { startTestGateway, type TestGateway, wsClient } from '../helpers/gateway.js';
import { createProject, uploadFile } from '../helpers/lake.js';

const file = (content: string) => ({ name: 'a.txt', type: 'text/plain', content: Buffer.from(content) });
const steps = (events: FeedEvent[]) => events.filter((e) => e.type !== 'BYTES_RECEIVED');

// Subscribers of the same operation share one execution per event and their sockets' writes are
// coalesced: what each of them receives must not change.
describe('many subscribers of one project', () => {
  let gateway: TestGateway;
  const clients: Client[] = [];
  const subscribed = new Map<string, number>();

  before(async () => {
    gateway = await startTestGateway();
    const pubSub = gateway.services.pubSub;
    const subscribe = pubSub.subscribe.bind(pubSub);
    pubSub.subscribe = (topic: string, id?: unknown) => {
      subscribed.set(topic, (subscribed.get(topic) ?? 0) + 1);
      return subscribe(topic, id);
    };
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await gateway.close();
  });

  const client = (token: string) => {
    const c = wsClient(gateway, token);
    clients.push(c);
    return c;
  };
  /** Until the gateway holds `count` subscriptions to the project's topic: later events reach them live. */
  const untilSubscribed = async (project: string, count: number) => {
    while ((subscribed.get(ingestionTopic(project)) ?? 0) < count)
      await new Promise((r) => setTimeout(r, 20));
  };

  it("gives each subscriber every event of its project once, in order, and none of another project's", async () => {
    const [a, b] = [await createProject(gateway), await createProject(gateway)];
    const viewers = await Promise.all(
      [1, 2, 3].map((i) => gateway.token({ subject: `viewer-${i}`, projects: { [a]: 'viewer' } })),
    );
    const outsider = await gateway.token({ subject: 'outsider', projects: { [b]: 'viewer' } });
    // The same operation text from every caller: only the project variable and the roles differ.
    const ofA = [...viewers, gateway.adminToken].map((t) => tapEvents(client(t), { project: a }));
    const ofB = tapEvents(client(outsider), { project: b });
    const refused = tapEvents(client(outsider), { project: a });
    const errors = (await refused.failure) as { extensions?: { code?: string } }[];
    assert.deepEqual(
      errors.map((e) => e.extensions?.code),
      ['FORBIDDEN'],
    );
    await untilSubscribed(a, ofA.length);
    await untilSubscribed(b, 1);

    const [upA, upB] = await Promise.all([
      uploadFile(gateway, { project: a }, file('for a')),
      uploadFile(gateway, { project: b }, file('for b')),
    ]);
    const idA = upA.body.data!.uploadFile.uploadId;
    const idB = upB.body.data!.uploadFile.uploadId;
    const done = (tap: EventTap) => tap.until((e) => e.type === 'CATALOGED');
    await Promise.all([...ofA, ofB].map(done));

    for (const tap of ofA) {
      assert.deepEqual(
        steps(tap.events).map((e) => e.type),
        ['STARTED', 'STORED', 'VERIFIED', 'CATALOGED'],
      );
      assert.ok(tap.events.every((e) => e.uploadId === idA));
      assert.deepEqual(
        tap.events.map((e) => e.sequence),
        tap.events.map((_, i) => i + 1),
      );
      assert.equal(tap.events.at(-1)?.object?.status, 'STORED');
      assert.deepEqual(tap.events, ofA[0]!.events);
    }
    assert.ok(ofB.events.every((e) => e.uploadId === idB));
    assert.deepEqual(refused.events, []);
    [...ofA, ofB].forEach((tap) => tap.stop());
  });

  it('delivers a burst of events to every subscriber whole and in order', async () => {
    const project = await createProject(gateway);
    const taps = [1, 2, 3].map(() => tapEvents(client(gateway.adminToken), { project }));
    await untilSubscribed(project, taps.length);
    const count = 300;
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        gateway.services.feed.publish({
          project,
          type: 'BYTES_RECEIVED',
          uploadId: 'burst',
          objectId: 1,
          bytes: i,
        }),
      ),
    );
    for (const tap of taps) {
      await tap.until(() => tap.events.length >= count);
      assert.deepEqual(
        tap.events.map((e) => [e.sequence, e.bytes]),
        Array.from({ length: count }, (_, i) => [i + 1, i]),
      );
      tap.stop();
    }
  });
});
