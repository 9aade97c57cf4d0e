import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client } from 'graphql-ws';
import { freshMongoUrl } from '../helpers/backends.js';
import { tapEvents } from '../helpers/events.js';
import { startTestGateway, type TestGateway, wsClient } from '../helpers/gateway.js';
import { createProject, uploadFile } from '../helpers/lake.js';
import { stackUrl } from '../helpers/stack.js';

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
