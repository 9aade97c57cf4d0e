import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client } from 'graphql-ws';
import { pino } from 'pino';
import { RedisConnection } from '../../src/datasources/redis/redis.connection.js';
import { RedisPubSub } from '../../src/subscriptions/redis-pubsub.js';
import { publishWhenWatched } from '../../src/subscriptions/watched-publish.js';
import { freshMongoUrl } from '../helpers/backends.js';
import { tapEvents } from '../helpers/events.js';
import { startTestGateway, type TestGateway, wsClient } from '../helpers/gateway.js';
import { createProject, uploadFile } from '../helpers/lake.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';

describe('two gateways sharing Redis', () => {
  let a: TestGateway;
  let b: TestGateway;
  let client: Client;
  before(async () => {
    const shared = {
      S3_URL: stackUrl('MINIO_S3_URL'),
      MONGODB_URL: freshMongoUrl(),
      REDIS_URL: stackUrl('REDIS_URL'),
    };
    a = await startTestGateway(shared);
    b = await startTestGateway(shared);
    client = wsClient(b);
  });
  after(async () => {
    await client.dispose();
    await Promise.all([a.close(), b.close()]);
  });

  it('shows an upload made on one gateway to a subscriber of the other', async () => {
    const project = await createProject(a);
    // No `after`: nothing is replayed from the shared log, so what B sends came through Redis.
    const tap = tapEvents(client, { project });
    // Warm up until B's subscription is live (it starts asynchronously), then watch one upload whole.
    for (let i = 0; i < 30 && tap.events.length === 0; i++) {
      await uploadFile(
        a,
        { project },
        { name: `warm-${i}.txt`, type: 'text/plain', content: Buffer.from(`warm ${i}`) },
      );
      await new Promise((r) => setTimeout(r, 300));
    }
    const { body } = await uploadFile(
      a,
      { project },
      { name: 'x.txt', type: 'text/plain', content: Buffer.from('across') },
    );
    const uploadId = body.data!.uploadFile.uploadId;
    await tap.until((e) => e.uploadId === uploadId && e.type === 'CATALOGED');
    tap.stop();
    const events = tap.events.filter((e) => e.uploadId === uploadId);
    assert.deepEqual(
      events.map((e) => e.type).filter((t) => t !== 'BYTES_RECEIVED'),
      ['STARTED', 'STORED', 'VERIFIED', 'CATALOGED'],
    );
    assert.equal(events.at(-1)?.object?.status, 'STORED', 'gateway B reads the entry gateway A wrote');
  });
});

describe('RedisPubSub', () => {
  it('tells whether any gateway watches a topic, so unwatched payloads are never made', async () => {
    const url = stackUrl('REDIS_URL');
    const connections = Array.from({ length: 4 }, () => new RedisConnection(url, 5000));
    const [aOut, aIn, bOut, bIn] = connections.map((c) => c.client);
    const logger = pino({ level: 'silent' });
    const a = new RedisPubSub(aOut!, aIn!, logger);
    const b = new RedisPubSub(bOut!, bIn!, logger);
    const topic = uniqueName('watched');
    let made = 0;
    const make = () => ({ n: ++made });
    try {
      assert.equal(await a.watched(topic), false);
      publishWhenWatched(a, topic, make);
      const watcher = b.subscribe(topic);
      await watcher.ready;
      assert.equal(await a.watched(topic), true, 'a subscriber on the other gateway counts');
      publishWhenWatched(a, topic, make);
      assert.deepEqual(await watcher.next(), { value: { n: 1 }, done: false });
      await watcher.return!();
      for (let i = 0; i < 50 && (await a.watched(topic)); i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await a.watched(topic), false);
      assert.equal(made, 1, 'made only while watched');
    } finally {
      a.close();
      b.close();
      await Promise.all(connections.map((c) => c.close()));
    }
  });
});
