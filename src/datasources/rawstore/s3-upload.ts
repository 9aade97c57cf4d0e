import { type Readable } from 'node:stream';
import { type Client } from 'minio';

export interface StreamUploadOptions {
  bucket: string;
  key: string;
  headers: Record<string, string>;
  partSize: number;
  /** Parts in flight at once; memory stays near partSize × (concurrency + 1). */
  concurrency: number;
}

/** Cuts a byte stream into parts of exactly `size` bytes (the last one shorter). */
async function* parts(body: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    let rest = chunk;
    while (length + rest.length >= size) {
      const take = size - length;
      pending.push(rest.subarray(0, take));
      yield Buffer.concat(pending, size);
      rest = rest.subarray(take);
      pending = [];
      length = 0;
    }
    if (rest.length > 0) {
      pending.push(rest);
      length += rest.length;
    }
  }
  if (length > 0 || pending.length > 0) yield Buffer.concat(pending, length);
}

/**
 * Streams a body of any length to S3 with bounded memory: one PUT when it fits in a part, otherwise a
 * multipart upload with a few parts in flight, aborted if anything fails so no parts are left behind.
 * (The `minio` client's putObject buffers whole objects up to 64 MiB and picks ~528 MiB parts when the
 * size is unknown.)
 */
export async function uploadStream(
  client: Client,
  body: Readable,
  o: StreamUploadOptions,
): Promise<{ etag: string }> {
  const iterator = parts(body, o.partSize);
  const first = await iterator.next();
  const firstPart = first.done ? Buffer.alloc(0) : first.value;
  if (firstPart.length < o.partSize) {
    const res = await client.makeRequestAsync(
      { method: 'PUT', bucketName: o.bucket, objectName: o.key, headers: { ...o.headers } },
      firstPart,
      [200],
    );
    res.resume();
    return { etag: String(res.headers.etag ?? '').replace(/"/g, '') };
  }

  const uploadId = await client.initiateNewMultipartUpload(o.bucket, o.key, o.headers);
  const etags: { part: number; etag: string }[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const send = (part: number, payload: Buffer) => {
    const p: Promise<void> = client
      .uploadPart(
        { bucketName: o.bucket, objectName: o.key, uploadID: uploadId, partNumber: part, headers: {} },
        payload,
      )
      .then(({ etag }) => void etags.push({ part, etag }))
      .catch((error: unknown) => void (failure ??= error))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  try {
    let partNumber = 1;
    send(partNumber, firstPart);
    for await (const payload of iterator) {
      if (failure) break;
      send(++partNumber, payload);
      while (inFlight.size >= o.concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    etags.sort((a, b) => a.part - b.part);
    const { etag } = await client.completeMultipartUpload(o.bucket, o.key, uploadId, etags);
    return { etag };
  } catch (error) {
    await Promise.allSettled(inFlight);
    await client.abortMultipartUpload(o.bucket, o.key, uploadId).catch(() => {});
    throw error;
  }
}
