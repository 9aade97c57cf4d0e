import { type Readable, Transform } from 'node:stream';
import { StoreAnswerError } from '../guard.js';

export interface StoredObject {
  size: number;
  etag: string;
  /** Base64 SHA-256 the store verified on write, when it supports checksums (MinIO, AWS S3; not Swift). */
  checksumSha256?: string;
  lastModified: Date;
}

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutOptions {
  contentType: string;
  /** Sent as object metadata too, so an object found without catalog entry still says what it is. */
  metadata: Record<string, string>;
  /** When known, the store can stream without buffering; the written size is checked against it. */
  size?: number;
  /** Hex SHA-256 the bytes must have; a store that can check it before publishing the object does. */
  sha256?: string;
}

/** The bytes written do not have the SHA-256 they were declared with; nothing was stored. */
export class ChecksumMismatchError extends StoreAnswerError {
  override name = 'ChecksumMismatchError';
}

/** The body did not have the length it was declared with; nothing was stored. */
export class LengthMismatchError extends StoreAnswerError {
  override name = 'LengthMismatchError';
}

/** Passes `body` through when it has exactly `size` bytes; fails on a byte more or a byte short. */
export function exactly(body: Readable, size: number): Readable {
  let seen = 0;
  const checked = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      done(seen > size ? new LengthMismatchError(`more than the ${size} bytes declared`) : null, chunk);
    },
    flush(done) {
      done(seen < size ? new LengthMismatchError(`${seen} bytes, ${size} declared`) : null);
    },
  });
  body.once('error', (error) => checked.destroy(error));
  return body.pipe(checked);
}

/** What a client must send with a presigned request: the URL and the headers it was signed with. */
export interface PresignedRequest {
  method: 'PUT' | 'GET';
  url: string;
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface PresignPutOptions {
  contentType: string;
  /** Exact body length: signed, so the store refuses a body of another size. */
  size: number;
  /** Hex SHA-256 of the body: signed as x-amz-checksum-sha256 so a checksum-aware store rejects other bytes. */
  sha256?: string;
  expiresInSeconds: number;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

/**
 * The raw zone: one bucket (container) per project, objects under keys the gateway makes.
 * Implementations translate driver errors into SourceUnavailableError.
 */
export interface RawStore {
  readonly kind: 'S3' | 'FILESYSTEM';
  /** Whether presigned multipart uploads (part URLs) are available. */
  readonly supportsMultipart: boolean;
  ensureBucket(project: string): Promise<void>;
  put(project: string, key: string, body: Readable, options: PutOptions): Promise<StoredObject>;
  /** null when the object does not exist. */
  stat(project: string, key: string): Promise<StoredObject | null>;
  /** The object's bytes, or the inclusive byte range [start, end]. */
  get(project: string, key: string, range?: { start: number; end: number }): Promise<Readable>;
  remove(project: string, key: string): Promise<void>;
  list(project: string): AsyncIterable<ObjectInfo>;
  presignGet(
    project: string,
    key: string,
    expiresInSeconds: number,
    downloadName?: string,
  ): Promise<PresignedRequest>;
  presignPut(project: string, key: string, options: PresignPutOptions): Promise<PresignedRequest>;
  createMultipart(project: string, key: string, options: PutOptions): Promise<string>;
  presignPart(
    project: string,
    key: string,
    multipartId: string,
    partNumber: number,
    expiresInSeconds: number,
  ): Promise<PresignedRequest>;
  completeMultipart(project: string, key: string, multipartId: string, parts: CompletedPart[]): Promise<void>;
  abortMultipart(project: string, key: string, multipartId: string): Promise<void>;
  /** Removes any unfinished upload of that key (parts left by an interrupted upload). */
  abortUnfinished(project: string, key: string): Promise<void>;
  close(): Promise<void>;
}
