import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AbortUploadDocument,
  CompleteUploadDocument,
  CreateUploadDocument,
  type CreateUploadMutation,
} from '../generated/graphql.js';
import { LAKE_BACKENDS } from '../helpers/backends.js';
import { graphql, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { assertConsistent, createProject, errorCode, sha256 } from '../helpers/lake.js';

const MIB = 1024 * 1024;

type Request = NonNullable<CreateUploadMutation['createUpload']['request']>;

function put(request: Pick<Request, 'url' | 'headers'>, body: Buffer): Promise<Response> {
  const headers = Object.fromEntries(request.headers.map((h) => [h.name, h.value]));
  return fetch(request.url, { method: 'PUT', headers, body: new Uint8Array(body) });
}

for (const backend of LAKE_BACKENDS) {
  describe(`presigned uploads: ${backend.name}`, () => {
    let gateway: TestGateway;
    before(async () => {
      gateway = await startTestGateway({
        ...backend.env(),
        PRESIGN_MULTIPART_THRESHOLD: '6MiB',
        PRESIGN_PART_SIZE: '5MiB',
      });
    });
    after(() => gateway.close());

    const create = (
      project: string,
      content: Buffer,
      extra: { sha256?: string; idempotencyKey?: string } = {},
    ) =>
      graphql(gateway, CreateUploadDocument, {
        input: {
          project,
          fileName: 'data.bin',
          contentType: 'application/octet-stream',
          size: content.length,
          sha256: extra.sha256,
        },
        idempotencyKey: extra.idempotencyKey,
      });

    it('takes one PUT to the URL, then verifies size and checksum and catalogs it', async () => {
      const project = await createProject(gateway);
      const content = randomBytes(64 * 1024);
      const created = await create(project, content, { sha256: sha256(content) });
      assert.equal(created.body.errors, undefined, JSON.stringify(created.body.errors));
      const upload = created.body.data!.createUpload;
      assert.equal(upload.object.status, 'PENDING');
      assert.deepEqual(upload.parts, []);

      const early = await graphql(gateway, CompleteUploadDocument, { uploadId: upload.uploadId });
      assert.equal(errorCode(early.body), 'UPLOAD_VERIFICATION_FAILED');
      assert.equal(early.body.errors?.[0]?.extensions?.['reason'], 'MISSING');

      assert.equal((await put(upload.request!, content)).status, 200);
      const done = await graphql(gateway, CompleteUploadDocument, { uploadId: upload.uploadId });
      assert.equal(done.body.errors, undefined, JSON.stringify(done.body.errors));
      const object = done.body.data!.completeUpload.object;
      assert.deepEqual(
        [object.status, object.size, object.sha256],
        ['STORED', content.length, sha256(content)],
      );
      const again = await graphql(gateway, CompleteUploadDocument, { uploadId: upload.uploadId });
      assert.equal(again.body.data?.completeUpload.replayed, true);
      await assertConsistent(gateway, project);
    });

    it('fails completion when the bytes are not the declared ones, and keeps nothing', async () => {
      const project = await createProject(gateway);
      const declared = randomBytes(1000);
      const sent = randomBytes(1000);
      const upload = (await create(project, declared, { sha256: sha256(declared) })).body.data!.createUpload;
      const res = await put(upload.request!, sent);
      // A checksum-aware store refuses the bytes at once; otherwise completion finds the mismatch.
      if (res.status === 200) {
        const done = await graphql(gateway, CompleteUploadDocument, { uploadId: upload.uploadId });
        assert.equal(errorCode(done.body), 'UPLOAD_VERIFICATION_FAILED');
        assert.equal(done.body.errors?.[0]?.extensions?.['reason'], 'CHECKSUM');
        const [entry] = await gateway.services.catalog.entries(project, [upload.object.objectId]);
        assert.equal(entry?.status, 'FAILED');
      } else {
        assert.ok(res.status >= 400);
        const aborted = await graphql(gateway, AbortUploadDocument, { uploadId: upload.uploadId });
        assert.equal(aborted.body.data?.abortUpload.status, 'FAILED');
      }
      await assertConsistent(gateway, project);
    });

    it('refuses a file larger than the profile allows before handing out a URL', async () => {
      const project = await createProject(gateway, { maxFileSize: 100 });
      const created = await create(project, randomBytes(101));
      assert.equal(errorCode(created.body), 'FILE_TOO_LARGE');
      assert.equal(await gateway.services.catalog.countEntries(project, ['PENDING', 'STORED', 'FAILED']), 0);
    });

    it('gives the same upload back for a retried createUpload with the same Idempotency-Key', async () => {
      const project = await createProject(gateway);
      const content = randomBytes(10);
      const first = await create(project, content, { idempotencyKey: 'k' });
      const second = await create(project, content, { idempotencyKey: 'k' });
      assert.equal(second.body.data?.createUpload.replayed, true);
      assert.equal(second.body.data?.createUpload.uploadId, first.body.data?.createUpload.uploadId);
      const other = await create(project, randomBytes(11), { idempotencyKey: 'k' });
      assert.equal(errorCode(other.body), 'IDEMPOTENCY_KEY_REUSED');
    });

    it('aborts an upload and removes what was sent', async () => {
      const project = await createProject(gateway);
      const content = randomBytes(500);
      const upload = (await create(project, content)).body.data!.createUpload;
      await put(upload.request!, content);
      const aborted = await graphql(gateway, AbortUploadDocument, { uploadId: upload.uploadId });
      assert.equal(aborted.body.data?.abortUpload.status, 'FAILED');
      assert.equal(aborted.body.data?.abortUpload.failedOperations[0]?.operation, 'abortUpload');
      const late = await graphql(gateway, CompleteUploadDocument, { uploadId: upload.uploadId });
      assert.equal(errorCode(late.body), 'CONFLICT');
      await assertConsistent(gateway, project);
    });

    it(
      backend.name === 'embedded defaults'
        ? 'uses one PUT even for large files'
        : 'sends a large file in parts and verifies the whole',
      async () => {
        const project = await createProject(gateway);
        const content = randomBytes(11 * MIB);
        const upload = (await create(project, content, { sha256: sha256(content) })).body.data!.createUpload;
        if (!gateway.services.raw.supportsMultipart) {
          assert.deepEqual(upload.parts, []);
          assert.equal((await put(upload.request!, content)).status, 200);
          const done = await graphql(gateway, CompleteUploadDocument, { uploadId: upload.uploadId });
          assert.equal(done.body.data?.completeUpload.object.status, 'STORED');
          return;
        }
        assert.equal(upload.request, null);
        assert.deepEqual(
          upload.parts.map((p) => [p.partNumber, p.size]),
          [
            [1, 5 * MIB],
            [2, 5 * MIB],
            [3, MIB],
          ],
        );
        const withoutParts = await graphql(gateway, CompleteUploadDocument, { uploadId: upload.uploadId });
        assert.equal(errorCode(withoutParts.body), 'BAD_USER_INPUT');
        let offset = 0;
        const parts = [];
        for (const part of upload.parts) {
          const res = await put(part.request, content.subarray(offset, offset + part.size));
          offset += part.size;
          assert.equal(res.status, 200);
          parts.push({ partNumber: part.partNumber, etag: res.headers.get('etag')!.replace(/"/g, '') });
        }
        const done = await graphql(gateway, CompleteUploadDocument, { uploadId: upload.uploadId, parts });
        assert.equal(done.body.errors, undefined, JSON.stringify(done.body.errors));
        assert.deepEqual(
          [done.body.data!.completeUpload.object.size, done.body.data!.completeUpload.object.sha256],
          [content.length, sha256(content)],
        );
        await assertConsistent(gateway, project);
      },
    );
  });
}
