import http from 'node:http';
import https from 'node:https';
import { type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Client } from 'minio';
import { exactly } from './raw-store.js';
import { presignV4, type SigningTarget } from './sigv4.js';

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

/**
 * One streaming PUT of a body whose size is known: nothing is buffered and S3 gets the object whole or
 * not at all. The request is presigned with an unsigned payload (as S3 clients do over TLS): the bytes
 * are hashed by the caller, not a second time to sign them.
 */
export async function putKnownSize(
  target: SigningTarget,
  o: { bucket: string; key: string; headers: Record<string, string>; size: number; agent?: https.Agent },
  body: Readable,
): Promise<{ etag: string }> {
  const headers = { ...o.headers, 'content-length': String(o.size) };
  const url = new URL(
    presignV4(target, { method: 'PUT', bucket: o.bucket, key: o.key, expiresInSeconds: 900, headers }),
  );
  const req = (url.protocol === 'https:' ? https : http).request(url, {
    method: 'PUT',
    headers,
    agent: o.agent,
  });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.on('error', reject);
  });
  // When the body fails, the request is destroyed too: the body's error is the one to report.
  response.catch(() => {});
  try {
    await pipeline(exactly(body, o.size), req);
  } catch (error) {
    req.destroy();
    throw error;
  }
  const res = await response;
  let text = '';
  for await (const chunk of res) text += String(chunk);
  if (res.statusCode !== 200) {
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP_${res.statusCode}`;
    throw Object.assign(new Error(`S3 refused the PUT: ${code}`), { code });
  }
  return { etag: String(res.headers.etag ?? '').replace(/"/g, '') };
}
