import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ObjectDetailDocument, ObjectsDocument, UpdateProjectDocument } from '../generated/graphql.js';
import { LAKE_BACKENDS } from '../helpers/backends.js';
import { graphql, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { assertConsistent, createProject, errorCode, sha256, uploadFile } from '../helpers/lake.js';

for (const backend of LAKE_BACKENDS) {
  describe(`uploads through GraphQL: ${backend.name}`, () => {
    let gateway: TestGateway;
    before(async () => {
      gateway = await startTestGateway(backend.env());
    });
    after(() => gateway.close());

    it('streams a file in, catalogs it, and gives it back by URL and preview', async () => {
      const project = await createProject(gateway);
      const content = Buffer.from('city,temp\nrennes,12.5\n');
      const { body } = await uploadFile(
        gateway,
        {
          project,
          metadata: {
            owner: 'ana',
            application: 'sensors',
            otherData: { template: { measurement: 'temp' } },
          },
        },
        { name: 'readings.csv', type: 'text/csv', content },
      );
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      const object = body.data!.uploadFile.object;
      assert.deepEqual(
        [
          object.objectId,
          object.status,
          object.size,
          object.sha256,
          object.originalName,
          object.contentType,
          object.owner,
        ],
        [1, 'STORED', content.length, sha256(content), 'readings.csv', 'text/csv', 'ana'],
      );
      assert.deepEqual(object.otherData, { template: { measurement: 'temp' } });
      assert.equal(object.successfulOperations[0]?.operation, 'upload');
      assert.equal(object.metrics?.bytes, content.length);

      const detail = await graphql(gateway, ObjectDetailDocument, { project, objectId: 1, previewBytes: 9 });
      const o = detail.body.data!.object!;
      assert.deepEqual(o.preview, {
        bytes: 9,
        base64: content.subarray(0, 9).toString('base64'),
        text: 'city,temp',
        truncated: true,
      });
      const download = await fetch(o.downloadUrl!);
      assert.equal(download.status, 200);
      assert.deepEqual(Buffer.from(await download.arrayBuffer()), content);
      await assertConsistent(gateway, project);
    });

    it('keeps the file name as metadata only: no path reaches the store', async () => {
      const project = await createProject(gateway);
      const { body } = await uploadFile(
        gateway,
        { project },
        { name: '../../etc/passwd', type: 'text/plain', content: Buffer.from('x') },
      );
      assert.equal(body.data?.uploadFile.object.originalName, 'passwd');
      const [entry] = await gateway.services.catalog.entries(project, [1]);
      assert.match(entry!.key, /^0000000001-[0-9a-f-]{36}$/);
      await assertConsistent(gateway, project);
    });

    it('enforces the tenant profile before storing anything', async () => {
      const project = await createProject(gateway, {
        maxFileSize: 10,
        maxFiles: 2,
        allowedExtensions: ['csv', 'json'],
        allowedContentTypes: ['text/*', 'application/json'],
      });
      const csv = (content: string, name = 'a.csv', type = 'text/csv') => ({
        name,
        type,
        content: Buffer.from(content),
      });

      const wrongExtension = await uploadFile(gateway, { project }, csv('1', 'a.exe'));
      assert.equal(errorCode(wrongExtension.body), 'FORMAT_NOT_ALLOWED');
      const wrongType = await uploadFile(gateway, { project }, csv('1', 'a.json', 'image/png'));
      assert.equal(errorCode(wrongType.body), 'FORMAT_NOT_ALLOWED');
      const declaredTooLarge = await uploadFile(gateway, { project, metadata: { size: 11 } }, csv('1'));
      assert.equal(errorCode(declaredTooLarge.body), 'FILE_TOO_LARGE');
      assert.equal(declaredTooLarge.body.errors?.[0]?.extensions?.['maxFileSize'], 10);
      const streamedTooLarge = await uploadFile(gateway, { project }, csv('0123456789ABC'));
      assert.equal(errorCode(streamedTooLarge.body), 'FILE_TOO_LARGE');

      assert.equal((await uploadFile(gateway, { project }, csv('1'))).body.errors, undefined);
      assert.equal((await uploadFile(gateway, { project }, csv('2'))).body.errors, undefined);
      const third = await uploadFile(gateway, { project }, csv('3'));
      assert.equal(errorCode(third.body), 'QUOTA_EXCEEDED');

      const stored = await gateway.services.catalog.countEntries(project, ['STORED']);
      assert.equal(stored, 2, 'only the two allowed files are stored');
      await assertConsistent(gateway, project);
    });

    it('fails a file that does not have its declared size, and keeps nothing', async () => {
      const project = await createProject(gateway);
      const content = Buffer.from('a,b\n1,2\n');
      for (const size of [content.length - 1, content.length + 1]) {
        const { body } = await uploadFile(
          gateway,
          { project, metadata: { size } },
          { name: 'a.csv', type: 'text/csv', content },
        );
        assert.equal(errorCode(body), 'UPLOAD_VERIFICATION_FAILED', JSON.stringify(body.errors));
        assert.equal(body.errors?.[0]?.extensions?.['reason'], 'SIZE');
      }
      assert.equal(await gateway.services.catalog.countEntries(project, ['STORED']), 0);
      await assertConsistent(gateway, project);
    });

    it('answers a retry with the same Idempotency-Key from the first upload, and refuses other content', async () => {
      const project = await createProject(gateway);
      const file = { name: 'a.txt', type: 'text/plain', content: Buffer.from('once') };
      const first = await uploadFile(gateway, { project, idempotencyKey: 'order-42' }, file);
      const again = await uploadFile(gateway, { project }, file, { 'idempotency-key': 'order-42' });
      assert.equal(again.body.errors, undefined, JSON.stringify(again.body.errors));
      assert.equal(again.body.data?.uploadFile.replayed, true);
      assert.equal(again.body.data?.uploadFile.object.objectId, first.body.data?.uploadFile.object.objectId);
      const other = await uploadFile(
        gateway,
        { project, idempotencyKey: 'order-42' },
        { ...file, content: Buffer.from('twice') },
      );
      assert.equal(errorCode(other.body), 'IDEMPOTENCY_KEY_REUSED');
      const disagree = await uploadFile(gateway, { project, idempotencyKey: 'a' }, file, {
        'idempotency-key': 'b',
      });
      assert.equal(errorCode(disagree.body), 'BAD_USER_INPUT');
      assert.equal(await gateway.services.catalog.countEntries(project, ['STORED', 'PENDING', 'FAILED']), 1);
      await assertConsistent(gateway, project);
    });

    it('points a duplicate at the first copy, or refuses it, as the project says', async () => {
      const project = await createProject(gateway);
      const file = { name: 'a.bin', type: 'application/octet-stream', content: randomBytes(100) };
      await uploadFile(gateway, { project }, file);
      const kept = await uploadFile(gateway, { project }, { ...file, name: 'b.bin' });
      assert.equal(kept.body.data?.uploadFile.duplicateOf?.objectId, 1);
      assert.equal(kept.body.data?.uploadFile.object.duplicateOf?.objectId, 1);

      await graphql(gateway, UpdateProjectDocument, {
        name: project,
        profile: { duplicatePolicy: 'REJECT' },
      });
      const refused = await uploadFile(gateway, { project }, { ...file, name: 'c.bin' });
      assert.equal(errorCode(refused.body), 'DUPLICATE_CONTENT');
      assert.equal(refused.body.errors?.[0]?.extensions?.['duplicateOf'], 1);
      assert.equal(await gateway.services.catalog.countEntries(project, ['STORED']), 2);
      await assertConsistent(gateway, project);
    });

    it('lists objects newest first, a page at a time, by filter', async () => {
      const project = await createProject(gateway);
      for (const [i, owner] of ['ana', 'bo', 'ana', 'bo', 'ana'].entries()) {
        await uploadFile(
          gateway,
          { project, metadata: { owner, otherData: { batch: i < 2 ? 'first' : 'second' } } },
          {
            name: `f${i}.txt`,
            type: i === 4 ? 'application/json' : 'text/plain',
            content: Buffer.from(`file ${i}`),
          },
        );
      }
      const page1 = await graphql(gateway, ObjectsDocument, { project, first: 2 });
      assert.deepEqual(
        page1.body.data!.objects.nodes.map((n) => n.objectId),
        [5, 4],
      );
      assert.equal(page1.body.data!.objects.pageInfo.hasNextPage, true);
      const page3 = await graphql(gateway, ObjectsDocument, {
        project,
        first: 2,
        after: (
          await graphql(gateway, ObjectsDocument, {
            project,
            first: 2,
            after: page1.body.data!.objects.pageInfo.endCursor,
          })
        ).body.data!.objects.pageInfo.endCursor,
      });
      assert.deepEqual(
        page3.body.data!.objects.nodes.map((n) => n.objectId),
        [1],
      );
      assert.equal(page3.body.data!.objects.pageInfo.hasNextPage, false);
      const filtered = await graphql(gateway, ObjectsDocument, {
        project,
        filter: { owner: 'ana', contentType: 'text/plain', otherData: [{ path: 'batch', value: 'second' }] },
      });
      assert.deepEqual(
        filtered.body.data!.objects.nodes.map((n) => n.objectId),
        [3],
      );
      const operator = await graphql(gateway, ObjectsDocument, {
        project,
        filter: { otherData: [{ path: 'batch', value: { $ne: 'x' } }] },
      });
      assert.equal(errorCode(operator.body), 'BAD_USER_INPUT');
      const badCursor = await graphql(gateway, ObjectsDocument, { project, after: 'not-a-cursor' });
      assert.equal(errorCode(badCursor.body), 'BAD_USER_INPUT');
      const unknown = await graphql(gateway, ObjectsDocument, { project: 'no-such-project' });
      assert.equal(errorCode(unknown.body), 'NOT_FOUND');
    });
  });
}
