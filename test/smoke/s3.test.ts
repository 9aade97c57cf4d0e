import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { S3Connection } from '../../src/datasources/rawstore/s3.connection.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

for (const [server, variable] of [
  ['Swift (s3api)', 'SWIFT_S3_URL'],
  ['MinIO', 'MINIO_S3_URL'],
] as const) {
  describe(`S3 API on ${server}`, () => {
    it('writes an object, reads it back and cleans up', async () => {
      const s3 = new S3Connection(stackUrl(variable), 5000);
      await s3.ping();
      const bucket = uniqueName('smoke');
      await s3.client.makeBucket(bucket);
      try {
        await s3.client.putObject(bucket, 'hello.txt', Buffer.from('hello lake'), 10, {
          'Content-Type': 'text/plain',
          'x-amz-meta-project': 'smoke',
        });
        const stat = await s3.client.statObject(bucket, 'hello.txt');
        assert.equal(stat.size, 10);
        assert.equal(stat.metaData['project'], 'smoke');
        assert.equal(await readAll(await s3.client.getObject(bucket, 'hello.txt')), 'hello lake');
        await s3.client.removeObject(bucket, 'hello.txt');
        await assert.rejects(s3.client.statObject(bucket, 'hello.txt'), /Not Found|NotFound|NoSuchKey/);
      } finally {
        await s3.client.removeBucket(bucket);
      }
      assert.equal(await s3.client.bucketExists(bucket), false);
    });
  });
}
