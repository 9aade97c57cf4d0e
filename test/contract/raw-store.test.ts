import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { LengthMismatchError, type RawStore } from '../../src/datasources/rawstore/raw-store.js';
import { S3RawStore } from '../../src/datasources/rawstore/s3.raw-store.js';
import { RAW_BACKENDS } from '../helpers/backends.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { uniqueName } from '../helpers/stack.js';

const MIB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

for (const backend of RAW_BACKENDS) {
  describe(`RawStore contract: ${backend.name}`, () => {
    let gateway: TestGateway;
    let store: RawStore;
    const project = uniqueName('raw');
    const s3 = () => (store instanceof S3RawStore ? store : null);
    const unfinished = async (key: string) => (await s3()!.unfinishedUploads(project, key)).length;
    // Swift's s3api ignores x-amz-checksum-* headers; MinIO and the filesystem store check them.
    const enforcesChecksum = backend.name !== 'Swift s3api';

    before(async () => {
      gateway = await startTestGateway({ ...backend.env(), UPLOAD_PART_SIZE: '5MiB' });
      store = gateway.services.raw;
      await store.ensureBucket(project);
      await store.ensureBucket(project); // twice is fine
    });
    after(() => gateway.close());

    it('stores, describes, reads (whole and a range), lists and removes an object', async () => {
      const body = Buffer.from('0123456789abcdef');
      const stored = await store.put(project, 'k-small', Readable.from([body]), {
        contentType: 'text/plain',
        metadata: { 'original-name': 'notes é.txt' },
        size: body.length,
      });
      assert.equal(stored.size, 16);
      assert.deepEqual(await bytesOf(await store.get(project, 'k-small')), body);
      assert.equal(
        (await bytesOf(await store.get(project, 'k-small', { start: 2, end: 5 }))).toString(),
        '2345',
      );
      const listed = [];
      for await (const o of store.list(project)) listed.push(o.key);
      assert.ok(listed.includes('k-small'));
      await store.remove(project, 'k-small');
      assert.equal(await store.stat(project, 'k-small'), null);
    });

    it('streams a body of unknown size larger than a part without losing a byte', async () => {
      const body = randomBytes(12 * MIB + 123);
      const chunks = Array.from({ length: 13 }, (_, i) => body.subarray(i * MIB, (i + 1) * MIB));
      const stored = await store.put(project, 'k-large', Readable.from(chunks), {
        contentType: 'application/octet-stream',
        metadata: {},
      });
      assert.equal(stored.size, body.length);
      assert.equal(sha(await bytesOf(await store.get(project, 'k-large'))), sha(body));
      if (s3()) assert.equal(await unfinished('k-large'), 0);
      await store.remove(project, 'k-large');
    });

    it('refuses a body shorter or longer than its declared size, and keeps nothing', async () => {
      for (const [name, body] of [
        ['k-short', Buffer.from('123456789')],
        ['k-long', Buffer.from('12345678901')],
      ] as const) {
        await assert.rejects(
          store.put(project, name, Readable.from([body]), {
            contentType: 'text/plain',
            metadata: {},
            size: 10,
          }),
          LengthMismatchError,
        );
        assert.equal(await store.stat(project, name), null, `${name} is not kept`);
      }
    });

    it('leaves nothing behind when the body fails half-way', async () => {
      const failing = Readable.from(
        (async function* () {
          yield randomBytes(6 * MIB);
          throw new Error('client went away');
        })(),
      );
      await assert.rejects(
        store.put(project, 'k-broken', failing, { contentType: 'text/plain', metadata: {} }),
      );
      assert.equal(await store.stat(project, 'k-broken'), null);
      if (s3()) assert.equal(await unfinished('k-broken'), 0);
    });

    it('presigns a PUT that takes exactly the declared bytes, and a GET that names the file', async () => {
      const body = Buffer.from('presigned body');
      const put = await store.presignPut(project, 'k-presigned', {
        contentType: 'text/plain',
        size: body.length,
        sha256: sha(body),
        expiresInSeconds: 60,
      });
      const other = Buffer.from('presigned BODY'); // same length, other bytes
      const refused = await fetch(put.url, { method: 'PUT', headers: put.headers, body: other });
      if (enforcesChecksum) assert.ok(refused.status >= 400, `other bytes refused (HTTP ${refused.status})`);
      const longer = await fetch(put.url, {
        method: 'PUT',
        headers: put.headers,
        body: Buffer.concat([body, body]),
      });
      assert.ok(longer.status >= 400, `a longer body is refused (HTTP ${longer.status})`);
      const ok = await fetch(put.url, { method: 'PUT', headers: put.headers, body });
      assert.equal(ok.status, 200, await ok.text());
      const stat = await store.stat(project, 'k-presigned');
      assert.equal(stat?.size, body.length);
      if (enforcesChecksum)
        assert.equal(stat?.checksumSha256, createHash('sha256').update(body).digest('base64'));

      const get = await store.presignGet(project, 'k-presigned', 60, 'résumé.txt');
      const res = await fetch(get.url);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'presigned body');
      assert.match(res.headers.get('content-disposition') ?? '', /filename\*=UTF-8''r%C3%A9sum%C3%A9\.txt/);
      await store.remove(project, 'k-presigned');
    });

    it('refuses a forged or expired presigned URL', async () => {
      const get = await store.presignGet(project, 'k-any', 1);
      const forged = get.url.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      assert.ok((await fetch(forged)).status >= 400);
    });

    it(
      backend.name === 'filesystem (embedded)'
        ? 'has no multipart uploads'
        : 'completes and aborts presigned multipart uploads',
      async () => {
        if (!store.supportsMultipart) {
          await assert.rejects(
            store.createMultipart(project, 'k-parts', { contentType: 'text/plain', metadata: {} }),
          );
          return;
        }
        const body = randomBytes(5 * MIB + 7);
        const id = await store.createMultipart(project, 'k-parts', {
          contentType: 'application/octet-stream',
          metadata: {},
        });
        const parts = [];
        for (const [n, slice] of [body.subarray(0, 5 * MIB), body.subarray(5 * MIB)].entries()) {
          const req = await store.presignPart(project, 'k-parts', id, n + 1, 60);
          const res = await fetch(req.url, { method: 'PUT', body: slice });
          assert.equal(res.status, 200);
          parts.push({ partNumber: n + 1, etag: res.headers.get('etag')!.replace(/"/g, '') });
        }
        await store.completeMultipart(project, 'k-parts', id, parts);
        assert.equal(sha(await bytesOf(await store.get(project, 'k-parts'))), sha(body));
        await store.remove(project, 'k-parts');

        const abandoned = await store.createMultipart(project, 'k-gone', {
          contentType: 'text/plain',
          metadata: {},
        });
        const req = await store.presignPart(project, 'k-gone', abandoned, 1, 60);
        assert.equal((await fetch(req.url, { method: 'PUT', body: randomBytes(1024) })).status, 200);
        assert.equal(await unfinished('k-gone'), 1);
        await store.abortUnfinished(project, 'k-gone');
        assert.equal(await unfinished('k-gone'), 0);
      },
    );
  });
}
