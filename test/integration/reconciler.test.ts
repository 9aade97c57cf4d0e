import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CreateUploadDocument } from '../generated/graphql.js';
import { LAKE_BACKENDS } from '../helpers/backends.js';
import { graphql, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { assertConsistent, createProject, sha256 } from '../helpers/lake.js';

const SETTLE_MS = 1000;

for (const backend of LAKE_BACKENDS) {
  describe(`reconciler: ${backend.name}`, () => {
    let gateway: TestGateway;
    before(async () => {
      gateway = await startTestGateway({
        ...backend.env(),
        PENDING_TIMEOUT_MS: String(SETTLE_MS),
        RECONCILE_INTERVAL_MS: '3600000',
        PRESIGN_MULTIPART_THRESHOLD: '5MiB',
        PRESIGN_PART_SIZE: '5MiB',
      });
    });
    after(() => gateway.close());

    /** A presigned upload whose client went away: its intent is made to expire now. */
    async function abandonedUpload(project: string, content: Buffer, sendBytes: boolean) {
      const { body } = await graphql(gateway, CreateUploadDocument, {
        input: {
          project,
          fileName: 'left.bin',
          contentType: 'application/octet-stream',
          size: content.length,
          sha256: sha256(content),
        },
      });
      const upload = body.data!.createUpload;
      if (sendBytes && upload.request) {
        const headers = Object.fromEntries(upload.request.headers.map((h) => [h.name, h.value]));
        assert.equal(
          (await fetch(upload.request.url, { method: 'PUT', headers, body: new Uint8Array(content) })).status,
          200,
        );
      }
      if (sendBytes && upload.parts.length > 0) {
        // only the first part arrives
        const first = upload.parts[0]!;
        await fetch(first.request.url, {
          method: 'PUT',
          body: new Uint8Array(content.subarray(0, first.size)),
        });
      }
      const { catalog } = gateway.services;
      await catalog.transition(project, upload.object.objectId, 'PENDING', {
        set: { expiresAt: new Date(Date.now() - 1) },
      });
      return upload.object.objectId;
    }

    it('finishes an upload whose bytes all arrived, and rolls back one whose bytes did not', async () => {
      const project = await createProject(gateway);
      const complete = await abandonedUpload(project, randomBytes(2000), true);
      const missing = await abandonedUpload(project, randomBytes(2000), false);
      const report = await gateway.services.reconciler.run();
      assert.ok(report.finished >= 1 && report.rolledBack >= 1, JSON.stringify(report));
      const [done, gone] = await gateway.services.catalog.entries(project, [complete, missing]);
      assert.equal(done?.status, 'STORED');
      assert.equal(done?.successfulOperations.at(-1)?.operation, 'reconcile');
      assert.equal(gone?.status, 'FAILED');
      assert.equal(gone?.failedOperations.at(-1)?.operation, 'reconcile');
      await assertConsistent(gateway, project);
    });

    it('rolls back a multipart upload cut short, removing its parts', async (t) => {
      if (!gateway.services.raw.supportsMultipart)
        return t.diagnostic('the filesystem store has no multipart uploads');
      const project = await createProject(gateway);
      const objectId = await abandonedUpload(project, randomBytes(6 * 1024 * 1024), true);
      const [entry] = await gateway.services.catalog.entries(project, [objectId]);
      const raw = gateway.services.raw as unknown as {
        unfinishedUploads(p: string, k: string): Promise<string[]>;
      };
      assert.equal((await raw.unfinishedUploads(project, entry!.key)).length, 1);
      await gateway.services.reconciler.run();
      assert.equal((await gateway.services.catalog.entries(project, [objectId]))[0]?.status, 'FAILED');
      assert.deepEqual(await raw.unfinishedUploads(project, entry!.key), []);
      await assertConsistent(gateway, project);
    });

    it('quarantines an object that has no catalog entry', async () => {
      const project = await createProject(gateway);
      await gateway.services.raw.put(project, 'dropped-by-hand', Readable.from([Buffer.from('who am I')]), {
        contentType: 'text/plain',
        metadata: {},
      });
      await new Promise((r) => setTimeout(r, SETTLE_MS + 200));
      // Swift lists a new object a little later under load: the periodic pass gets it on a later run.
      let quarantined = 0;
      for (let i = 0; i < 20 && quarantined === 0; i++) {
        quarantined = (await gateway.services.reconciler.run()).quarantined;
        if (quarantined === 0) await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(quarantined, 1);
      const [entry] = await gateway.services.catalog.findEntries(project, { status: 'QUARANTINED' }, 10);
      assert.deepEqual([entry?.originalName, entry?.size], ['dropped-by-hand', 8]);
      assert.equal((await gateway.services.reconciler.run()).quarantined, 0, 'an object is quarantined once');
      await assertConsistent(gateway, project);
    });
  });
}
