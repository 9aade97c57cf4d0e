import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client } from 'graphql-ws';
import { LAKE_BACKENDS } from '../helpers/backends.js';
import { tapEvents } from '../helpers/events.js';
import { startTestGateway, type TestGateway, wsClient } from '../helpers/gateway.js';
import { createProject, uploadFile } from '../helpers/lake.js';

const file = (content: string) => ({ name: 'a.txt', type: 'text/plain', content: Buffer.from(content) });

for (const backend of [LAKE_BACKENDS[0]!, LAKE_BACKENDS[2]!]) {
  describe(`ingestion events: ${backend.name}`, () => {
    let gateway: TestGateway;
    let client: Client;
    before(async () => {
      gateway = await startTestGateway(backend.env());
      client = wsClient(gateway);
    });
    after(async () => {
      await client.dispose();
      await gateway.close();
    });

    it('streams every step of an upload live, numbered without gaps', async () => {
      const project = await createProject(gateway);
      const tap = tapEvents(client, { project });
      await new Promise((r) => setTimeout(r, 200)); // let the subscription reach the server
      const { body } = await uploadFile(gateway, { project }, file('hello'));
      const uploadId = body.data!.uploadFile.uploadId;
      const events = await tap.until((e) => e.type === 'CATALOGED');
      tap.stop();
      const types = events.map((e) => e.type).filter((t) => t !== 'BYTES_RECEIVED');
      assert.deepEqual(types, ['STARTED', 'STORED', 'VERIFIED', 'CATALOGED']);
      assert.ok(events.every((e) => e.uploadId === uploadId && e.objectId === 1));
      assert.deepEqual(
        events.map((e) => e.sequence),
        events.map((_, i) => i + 1),
      );
      assert.equal(events[0]?.message, 'a.txt');
      assert.equal(events.at(-1)?.object?.status, 'STORED');
    });

    it('replays what a reconnecting client missed, from the sequence it gives', async () => {
      const project = await createProject(gateway);
      await uploadFile(gateway, { project }, file('one'));
      const all = tapEvents(client, { project, after: 0 });
      const replayed = await all.until((e) => e.type === 'CATALOGED');
      all.stop();
      const stored = replayed.find((e) => e.type === 'STORED')!;
      const resumed = tapEvents(client, { project, after: stored.sequence });
      await resumed.until((e) => e.type === 'CATALOGED');
      assert.deepEqual(
        resumed.events.map((e) => e.type),
        ['VERIFIED', 'CATALOGED'],
      );
      // ...and goes on live after the replay
      await uploadFile(gateway, { project }, file('two'));
      await resumed.until((e) => e.objectId === 2 && e.type === 'CATALOGED');
      resumed.stop();
      const sequences = resumed.events.map((e) => e.sequence);
      assert.deepEqual(
        sequences,
        [...sequences].sort((a, b) => a - b),
      );
      assert.equal(new Set(sequences).size, sequences.length, 'no event twice');
    });

    it('follows one upload when asked, and reports a failure with its code', async () => {
      const project = await createProject(gateway, { maxFileSize: 4 });
      await uploadFile(gateway, { project }, file('ok'));
      const failed = await uploadFile(gateway, { project }, file('too long'));
      assert.equal(failed.body.errors?.[0]?.extensions?.['code'], 'FILE_TOO_LARGE');
      const entries = await gateway.services.catalog.findEntries(project, { status: 'FAILED' }, 10);
      const tap = tapEvents(client, { project, uploadId: entries[0]!.uploadId, after: 0 });
      const events = await tap.until((e) => e.type === 'FAILED');
      tap.stop();
      assert.ok(events.every((e) => e.uploadId === entries[0]!.uploadId));
      assert.equal(events.at(-1)?.code, 'FILE_TOO_LARGE');
    });

    it('refuses to watch a project that does not exist', async () => {
      const tap = tapEvents(client, { project: 'no-such-project' });
      const errors = (await tap.failure) as { extensions?: { code?: string } }[];
      assert.equal(errors[0]?.extensions?.code, 'NOT_FOUND');
    });
  });
}
