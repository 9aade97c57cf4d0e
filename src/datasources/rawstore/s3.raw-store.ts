import { type Readable } from 'node:stream';
import { SourceUnavailableError } from '../../errors/errors.js';
import { guard } from '../guard.js';
import {
  type CompletedPart,
  type ObjectInfo,
  type PresignedRequest,
  type PresignPutOptions,
  type PutOptions,
  type RawStore,
  type StoredObject,
} from './raw-store.js';
import { type S3Connection } from './s3.connection.js';
import { putKnownSize, uploadStream } from './s3-upload.js';
import { presignV4 } from './sigv4.js';

export interface S3RawStoreOptions {
  /** Prepended to project names to make bucket names (S3 bucket names are global on AWS). */
  bucketPrefix: string;
  partSize: number;
  partConcurrency: number;
}

/** S3's largest single PUT. */
const MAX_SINGLE_PUT = 5 * 1024 ** 3;

const NOT_FOUND = new Set(['NotFound', 'NoSuchKey', 'NoSuchBucket']);

function isNotFound(error: unknown): boolean {
  return NOT_FOUND.has((error as { code?: string }).code ?? '');
}

function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

function metadataHeaders(options: PutOptions): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': options.contentType };
  for (const [name, value] of Object.entries(options.metadata)) {
    headers[`x-amz-meta-${name}`] = encodeURIComponent(value);
  }
  return headers;
}

/** The raw zone on any S3 API: MinIO, AWS S3, OpenStack Swift's s3api. */
export class S3RawStore implements RawStore {
  readonly kind = 'S3' as const;
  readonly supportsMultipart = true;
  private readonly source = 'raw';

  constructor(
    private readonly connection: S3Connection,
    private readonly options: S3RawStoreOptions,
  ) {}

  private get client() {
    return this.connection.client;
  }

  private call<T>(fn: () => Promise<T>, streaming = false): Promise<T> {
    return guard(this.source, streaming ? null : this.connection.timeoutMs, fn);
  }

  bucket(project: string): string {
    return `${this.options.bucketPrefix}${project}`;
  }

  ensureBucket(project: string): Promise<void> {
    const bucket = this.bucket(project);
    return this.call(async () => {
      if (await this.client.bucketExists(bucket)) return;
      await this.client.makeBucket(bucket, this.connection.signing.region).catch(async (error: unknown) => {
        // Another gateway instance may have made it between the check and the call.
        if (!(await this.client.bucketExists(bucket))) throw error;
      });
    });
  }

  async put(project: string, key: string, body: Readable, options: PutOptions): Promise<StoredObject> {
    const bucket = this.bucket(project);
    const headers = metadataHeaders(options);
    try {
      await this.call(
        () =>
          options.size !== undefined && options.size <= MAX_SINGLE_PUT
            ? putKnownSize(
                this.connection.signing,
                { bucket, key, headers, size: options.size, agent: this.connection.agent },
                body,
              )
            : uploadStream(this.client, body, {
                bucket,
                key,
                headers,
                partSize: this.options.partSize,
                concurrency: this.options.partConcurrency,
              }),
        true,
      );
    } catch (error) {
      // A failing body (too large, client gone) is the sender's problem, not the store's.
      throw body.errored ?? error;
    }
    const stored = await this.stat(project, key);
    if (!stored) throw new Error(`object ${key} missing right after upload`);
    return stored;
  }

  stat(project: string, key: string): Promise<StoredObject | null> {
    return this.call(async () => {
      try {
        const res = await this.client.makeRequestAsync(
          {
            method: 'HEAD',
            bucketName: this.bucket(project),
            objectName: key,
            headers: { 'x-amz-checksum-mode': 'ENABLED' },
          },
          '',
          [200],
        );
        res.resume();
        const checksum = res.headers['x-amz-checksum-sha256'];
        return {
          size: Number(res.headers['content-length']),
          etag: String(res.headers.etag ?? '').replace(/"/g, ''),
          // A multipart object's checksum is a checksum of part checksums ("...-N"): not the object's.
          checksumSha256: typeof checksum === 'string' && !checksum.includes('-') ? checksum : undefined,
          lastModified: new Date(String(res.headers['last-modified'])),
        };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    });
  }

  get(project: string, key: string, range?: { start: number; end: number }): Promise<Readable> {
    const bucket = this.bucket(project);
    return this.call(() =>
      range
        ? this.client.getPartialObject(bucket, key, range.start, range.end - range.start + 1)
        : this.client.getObject(bucket, key),
    );
  }

  remove(project: string, key: string): Promise<void> {
    return this.call(() => this.client.removeObject(this.bucket(project), key));
  }

  async *list(project: string): AsyncIterable<ObjectInfo> {
    const stream = this.client.listObjectsV2(this.bucket(project), '', true);
    try {
      for await (const item of stream as AsyncIterable<{ name?: string; size: number; lastModified: Date }>) {
        if (item.name) yield { key: item.name, size: item.size, lastModified: item.lastModified };
      }
    } catch (error) {
      if (isNotFound(error)) return;
      throw new SourceUnavailableError(this.source, error);
    }
  }

  async presignGet(
    project: string,
    key: string,
    expiresIn: number,
    downloadName?: string,
  ): Promise<PresignedRequest> {
    const query: Record<string, string> = {};
    if (downloadName) {
      query['response-content-disposition'] =
        `attachment; filename*=UTF-8''${encodeURIComponent(downloadName)}`;
    }
    const url = presignV4(this.connection.signing, {
      method: 'GET',
      bucket: this.bucket(project),
      key,
      expiresInSeconds: expiresIn,
      query,
    });
    return { method: 'GET', url, headers: {}, expiresAt: new Date(Date.now() + expiresIn * 1000) };
  }

  async presignPut(project: string, key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    const headers: Record<string, string> = { 'content-type': options.contentType };
    if (options.sha256) headers['x-amz-checksum-sha256'] = hexToBase64(options.sha256);
    // Content-Length is signed too, so a body of another size is refused; clients send it from the body.
    const url = presignV4(this.connection.signing, {
      method: 'PUT',
      bucket: this.bucket(project),
      key,
      expiresInSeconds: options.expiresInSeconds,
      headers: { ...headers, 'content-length': String(options.size) },
    });
    return { method: 'PUT', url, headers, expiresAt: new Date(Date.now() + options.expiresInSeconds * 1000) };
  }

  createMultipart(project: string, key: string, options: PutOptions): Promise<string> {
    return this.call(() =>
      this.client.initiateNewMultipartUpload(this.bucket(project), key, metadataHeaders(options)),
    );
  }

  async presignPart(
    project: string,
    key: string,
    multipartId: string,
    partNumber: number,
    expiresIn: number,
  ): Promise<PresignedRequest> {
    const url = presignV4(this.connection.signing, {
      method: 'PUT',
      bucket: this.bucket(project),
      key,
      expiresInSeconds: expiresIn,
      query: { partNumber: String(partNumber), uploadId: multipartId },
    });
    return { method: 'PUT', url, headers: {}, expiresAt: new Date(Date.now() + expiresIn * 1000) };
  }

  completeMultipart(
    project: string,
    key: string,
    multipartId: string,
    parts: CompletedPart[],
  ): Promise<void> {
    const etags = [...parts]
      .sort((a, b) => a.partNumber - b.partNumber)
      .map((p) => ({ part: p.partNumber, etag: p.etag }));
    return this.call(async () => {
      await this.client.completeMultipartUpload(this.bucket(project), key, multipartId, etags);
    });
  }

  abortMultipart(project: string, key: string, multipartId: string): Promise<void> {
    return this.call(() => this.client.abortMultipartUpload(this.bucket(project), key, multipartId));
  }

  /**
   * Upload ids of unfinished multipart uploads of exactly this key. (The `minio` client's own listing
   * reads Swift's answer wrong, so this asks the S3 API directly.)
   */
  unfinishedUploads(project: string, key: string): Promise<string[]> {
    return this.call(async () => {
      const res = await this.client.makeRequestAsync(
        {
          method: 'GET',
          bucketName: this.bucket(project),
          query: `uploads&prefix=${encodeURIComponent(key)}`,
        },
        '',
        [200],
      );
      let xml = '';
      for await (const chunk of res) xml += String(chunk);
      return [...xml.matchAll(/<Upload>[\s\S]*?<Key>([^<]*)<\/Key>[\s\S]*?<UploadId>([^<]*)<\/UploadId>/g)]
        .filter((m) => m[1] === key)
        .map((m) => m[2]!);
    });
  }

  async abortUnfinished(project: string, key: string): Promise<void> {
    for (const id of await this.unfinishedUploads(project, key)) await this.abortMultipart(project, key, id);
  }

  async close(): Promise<void> {}
}
