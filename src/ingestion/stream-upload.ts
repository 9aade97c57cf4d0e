import { type Readable } from 'node:stream';
import { type CatalogEntry, type ProjectRecord } from '../datasources/catalog/catalog.js';
import { ChecksumMismatchError, LengthMismatchError } from '../datasources/rawstore/raw-store.js';
import { ErrorCode } from '../errors/codes.js';
import { LakegateError } from '../errors/errors.js';
import { type Logger } from '../logger.js';
import { type IdempotencyKeys } from './idempotency.js';
import { type Finished, type ObjectLifecycle, verificationFailed } from './lifecycle.js';
import { hashStream, LimitExceededError, Meter } from './meter.js';
import { cleanFileName } from './names.js';
import { checkFormat, checkQuota, fileTooLarge, sizeLimit } from './profile.js';

export interface StreamUploadInput {
  body: Readable;
  fileName: string;
  contentType: string;
  /** Size the client declared; lets the store stream without buffering and is checked. */
  declaredSize: number | null;
  owner: string;
  application: string | null;
  otherData: Record<string, unknown> | null;
  dataProcessing: string;
  idempotencyKey: string | null;
}

export interface UploadOutcome extends Finished {
  /** True when an Idempotency-Key matched an earlier upload: its result, nothing stored again. */
  replayed: boolean;
}

export interface StreamUploadLimits {
  maxFileSize: number;
  pendingTimeoutMs: number;
  progressIntervalMs: number;
}

/** Bytes streamed through the gateway (the GraphQL multipart request) into the raw store. */
export class StreamUploads {
  constructor(
    private readonly lifecycle: ObjectLifecycle,
    private readonly keys: IdempotencyKeys,
    private readonly limits: StreamUploadLimits,
    private readonly logger: Logger,
  ) {}

  async upload(project: ProjectRecord, input: StreamUploadInput): Promise<UploadOutcome> {
    const { catalog } = this.lifecycle;
    const limit = sizeLimit(project.profile, this.limits.maxFileSize);
    let entry: CatalogEntry | undefined;
    let reserved = false;
    const key = input.idempotencyKey;
    try {
      const fileName = cleanFileName(input.fileName);
      checkFormat(project.profile, fileName, input.contentType);
      if (input.declaredSize !== null && input.declaredSize > limit)
        throw fileTooLarge(limit, input.declaredSize);
      if (key) {
        const reservation = await this.keys.reserve(project.name, key);
        if (reservation.kind === 'done')
          return await this.replay(project, key, reservation, input.body, limit);
        reserved = true;
      }
      await checkQuota(catalog, project.name, project.profile);
      entry = await this.lifecycle.openIntent(project, {
        owner: input.owner,
        contentType: input.contentType,
        originalName: fileName,
        application: input.application,
        otherData: input.otherData,
        dataProcessing: input.dataProcessing,
        idempotencyKey: key,
        upload: {
          method: 'STREAM',
          declaredSize: input.declaredSize,
          declaredSha256: null,
          multipartId: null,
          partSize: null,
        },
        expiresAt: new Date(Date.now() + this.limits.pendingTimeoutMs),
      });
      if (key) await this.keys.attach(project.name, key, entry.objectId);
      await checkQuota(catalog, project.name, project.profile, 1);
      const finished = await this.store(project, entry, input, limit);
      if (key) await this.keys.succeed(project.name, key, fingerprint(finished.entry.sha256!));
      return { ...finished, replayed: false };
    } catch (error) {
      input.body.destroy();
      const coded = this.translate(error, limit);
      if (entry) await this.lifecycle.abandon(entry, coded, 'upload');
      if (key && reserved) await this.keys.release(project.name, key).catch(() => {});
      throw coded;
    }
  }

  private async store(
    project: ProjectRecord,
    entry: CatalogEntry,
    input: StreamUploadInput,
    limit: number,
  ): Promise<Finished> {
    const { feed, raw } = this.lifecycle;
    const started = Date.now();
    const base = { project: project.name, uploadId: entry.uploadId, objectId: entry.objectId };
    // Progress events are not awaited: the feed writes a project's events in order, so the CATALOGED or
    // FAILED event the upload ends with is recorded after them, and waiting here would only add round trips.
    void feed.tell({
      ...base,
      type: 'STARTED',
      totalBytes: input.declaredSize,
      message: entry.originalName,
    });
    const meter = new Meter(limit, this.limits.progressIntervalMs, (bytes) => {
      void feed.tell({ ...base, type: 'BYTES_RECEIVED', bytes, totalBytes: input.declaredSize });
    });
    let renewal: Promise<unknown> = Promise.resolve();
    const heartbeat = setInterval(
      () => {
        const expiresAt = new Date(Date.now() + this.limits.pendingTimeoutMs);
        renewal = this.lifecycle.catalog
          .transition(project.name, entry.objectId, 'PENDING', { set: { expiresAt } })
          .catch((error: unknown) =>
            this.logger.warn({ err: error, uploadId: entry.uploadId }, 'intent not renewed'),
          );
      },
      Math.max(this.limits.pendingTimeoutMs / 3, 500),
    );
    // The last renewal is over before the entry changes again: on FerretDB an update is a read then a
    // write, and a renewal running alongside would write back the PENDING entry it read.
    const stopHeartbeat = async () => {
      clearInterval(heartbeat);
      await renewal;
    };
    try {
      await this.lifecycle.ensureBucket(project.name);
      // pipe() does not forward errors: a client that aborts must fail the write.
      input.body.once('error', (error) => {
        if (!meter.destroyed && !meter.writableFinished) meter.destroy(error);
      });
      const stored = await raw.put(project.name, entry.key, input.body.pipe(meter), {
        contentType: input.contentType,
        size: input.declaredSize ?? undefined,
        metadata: {
          project: project.name,
          'object-id': String(entry.objectId),
          'original-name': entry.originalName,
        },
      });
      const sha256 = meter.sha256();
      void feed.tell({ ...base, type: 'STORED', bytes: meter.bytes, totalBytes: meter.bytes });
      if (stored.size !== meter.bytes)
        throw verificationFailed('SIZE', `the store holds ${stored.size} bytes, ${meter.bytes} were sent`);
      if (input.declaredSize !== null && input.declaredSize !== meter.bytes) {
        throw verificationFailed('SIZE', `${meter.bytes} bytes arrived, ${input.declaredSize} were declared`);
      }
      if (stored.checksumSha256 && stored.checksumSha256 !== Buffer.from(sha256, 'hex').toString('base64')) {
        throw verificationFailed('CHECKSUM', 'the stored object does not have the SHA-256 of the bytes sent');
      }
      void feed.tell({ ...base, type: 'VERIFIED', bytes: meter.bytes, totalBytes: meter.bytes });
      await stopHeartbeat();
      return await this.lifecycle.finish(project, entry, {
        size: meter.bytes,
        sha256,
        startedAt: started,
        operation: 'upload',
      });
    } finally {
      await stopHeartbeat();
    }
  }

  /** A retry of a finished upload: its content is hashed (not stored) and must match the first one. */
  private async replay(
    project: ProjectRecord,
    key: string,
    done: { fingerprint: string; objectId: number },
    body: Readable,
    limit: number,
  ): Promise<UploadOutcome> {
    const { sha256 } = await hashStream(body, limit);
    const entry = await this.keys.replay(project.name, key, done, fingerprint(sha256));
    const [duplicateOf] = entry.duplicateOf
      ? await this.lifecycle.catalog.entries(project.name, [entry.duplicateOf])
      : [null];
    return { entry, duplicateOf: duplicateOf ?? null, replayed: true };
  }

  private translate(error: unknown, limit: number): unknown {
    if (error instanceof LimitExceededError) return fileTooLarge(limit);
    if (error instanceof ChecksumMismatchError) return verificationFailed('CHECKSUM', error.message);
    if (error instanceof LengthMismatchError)
      return verificationFailed('SIZE', `the file did not have its declared size: ${error.message}`);
    // graphql-upload's own stream errors (a client that went away, a body cut short) carry an HTTP status
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return new LakegateError(
        ErrorCode.BAD_REQUEST,
        `the file did not arrive whole: ${(error as Error).message}`,
      );
    }
    return error;
  }
}

function fingerprint(sha256: string): string {
  return `sha256:${sha256}`;
}
