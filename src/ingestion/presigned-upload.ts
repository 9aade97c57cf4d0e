import { type CatalogEntry, type ProjectRecord } from '../datasources/catalog/catalog.js';
import { type CompletedPart, type PresignedRequest } from '../datasources/rawstore/raw-store.js';
import { BadInputError, ConflictError, NotFoundError } from '../errors/errors.js';
import { type IdempotencyKeys } from './idempotency.js';
import { type ObjectLifecycle, verificationFailed } from './lifecycle.js';
import { cleanFileName } from './names.js';
import { checkFormat, checkQuota, checkSize } from './profile.js';
import { type UploadOutcome } from './stream-upload.js';

export interface PresignedUploadInput {
  fileName: string;
  contentType: string;
  size: number;
  /** Hex SHA-256 of the file: a checksum-aware store then refuses other bytes; checked on completion. */
  sha256: string | null;
  owner: string;
  application: string | null;
  otherData: Record<string, unknown> | null;
  dataProcessing: string;
  idempotencyKey: string | null;
}

export interface PresignedPart {
  partNumber: number;
  size: number;
  request: PresignedRequest;
}

export interface PresignedUpload {
  entry: CatalogEntry;
  /** One PUT for the whole file, or null when the file goes up in parts. */
  request: PresignedRequest | null;
  parts: PresignedPart[];
  partSize: number | null;
  replayed: boolean;
}

export interface PresignedLimits {
  maxFileSize: number;
  expiresInSeconds: number;
  multipartThreshold: number;
  partSize: number;
  /** Grace after the URLs expire before the reconciler may roll the intent back. */
  pendingTimeoutMs: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Uploads for large files and browsers: the client PUTs bytes straight to the raw store with presigned
 * URLs (in parts above a threshold), then asks the gateway to verify and catalog them.
 */
export class PresignedUploads {
  constructor(
    private readonly lifecycle: ObjectLifecycle,
    private readonly keys: IdempotencyKeys,
    private readonly limits: PresignedLimits,
    private readonly project: (name: string) => Promise<ProjectRecord>,
  ) {}

  async create(project: ProjectRecord, input: PresignedUploadInput): Promise<PresignedUpload> {
    const fileName = cleanFileName(input.fileName);
    if (!Number.isSafeInteger(input.size) || input.size < 0)
      throw new BadInputError('size must be a whole number of bytes', { argument: 'size' });
    if (input.sha256 !== null && !SHA256_HEX.test(input.sha256)) {
      throw new BadInputError('sha256 must be 64 lower-case hex digits', { argument: 'sha256' });
    }
    checkFormat(project.profile, fileName, input.contentType);
    checkSize(project.profile, this.limits.maxFileSize, input.size);
    const key = input.idempotencyKey;
    const print = `presigned:${input.size}:${input.sha256 ?? '-'}:${fileName}`;
    if (key) {
      const reservation = await this.keys.reserve(project.name, key);
      if (reservation.kind === 'done') {
        const entry = await this.keys.replay(project.name, key, reservation, print);
        return entry.status === 'PENDING'
          ? { ...(await this.presign(entry)), replayed: true }
          : { entry, request: null, parts: [], partSize: null, replayed: true };
      }
    }
    try {
      await checkQuota(this.lifecycle.catalog, project.name, project.profile);
      await this.lifecycle.ensureBucket(project.name);
      const multipart = input.size > this.limits.multipartThreshold && this.lifecycle.raw.supportsMultipart;
      const entry = await this.lifecycle.openIntent(project, {
        owner: input.owner,
        contentType: input.contentType,
        originalName: fileName,
        application: input.application,
        otherData: input.otherData,
        dataProcessing: input.dataProcessing,
        idempotencyKey: key,
        upload: {
          method: 'PRESIGNED',
          declaredSize: input.size,
          declaredSha256: input.sha256,
          multipartId: null,
          partSize: multipart ? this.limits.partSize : null,
        },
        expiresAt: new Date(Date.now() + this.limits.expiresInSeconds * 1000 + this.limits.pendingTimeoutMs),
      });
      const started = multipart ? await this.startMultipart(entry) : entry;
      if (key) {
        await this.keys.attach(project.name, key, entry.objectId);
        await this.keys.succeed(project.name, key, print);
      }
      await checkQuota(this.lifecycle.catalog, project.name, project.profile, 1).catch(
        async (error: unknown) => {
          await this.lifecycle.abandon(started, error, 'createUpload');
          throw error;
        },
      );
      await this.lifecycle.feed.tell({
        project: project.name,
        type: 'STARTED',
        uploadId: entry.uploadId,
        objectId: entry.objectId,
        totalBytes: input.size,
        message: fileName,
      });
      return { ...(await this.presign(started)), replayed: false };
    } catch (error) {
      if (key) await this.keys.release(project.name, key).catch(() => {});
      throw error;
    }
  }

  private async startMultipart(entry: CatalogEntry): Promise<CatalogEntry> {
    const multipartId = await this.lifecycle.raw.createMultipart(entry.project, entry.key, {
      contentType: entry.contentType,
      metadata: {
        project: entry.project,
        'object-id': String(entry.objectId),
        'original-name': entry.originalName,
      },
    });
    const updated = await this.lifecycle.catalog.transition(entry.project, entry.objectId, 'PENDING', {
      set: { upload: { ...entry.upload, multipartId } },
    });
    return updated ?? entry;
  }

  /** Fresh URLs for a pending upload (again for a retried createUpload). */
  private async presign(entry: CatalogEntry): Promise<Omit<PresignedUpload, 'replayed'>> {
    const { raw } = this.lifecycle;
    const size = entry.upload.declaredSize ?? 0;
    const expires = this.limits.expiresInSeconds;
    if (!entry.upload.multipartId) {
      const request = await raw.presignPut(entry.project, entry.key, {
        contentType: entry.contentType,
        size,
        sha256: entry.upload.declaredSha256 ?? undefined,
        expiresInSeconds: expires,
      });
      return { entry, request, parts: [], partSize: null };
    }
    const partSize = entry.upload.partSize!;
    const count = Math.ceil(size / partSize);
    const parts = await Promise.all(
      Array.from({ length: count }, async (_, i) => ({
        partNumber: i + 1,
        size: Math.min(partSize, size - i * partSize),
        request: await raw.presignPart(entry.project, entry.key, entry.upload.multipartId!, i + 1, expires),
      })),
    );
    return { entry, request: null, parts, partSize };
  }

  private async pending(uploadId: string): Promise<CatalogEntry> {
    const entry = await this.lifecycle.catalog.entryByUpload(uploadId);
    if (!entry) throw new NotFoundError(`no upload ${uploadId}`);
    return entry;
  }

  /** Verifies what the client PUT (size with a HEAD, SHA-256 from the store's checksum or by reading it back) and catalogs it. */
  async complete(uploadId: string, parts: CompletedPart[] | null): Promise<UploadOutcome> {
    const entry = await this.pending(uploadId);
    const project = await this.project(entry.project);
    if (entry.status === 'STORED') return { entry, duplicateOf: null, replayed: true };
    if (entry.status !== 'PENDING')
      throw new ConflictError(`upload ${uploadId} is ${entry.status.toLowerCase()}`);
    const { raw, feed } = this.lifecycle;
    const base = { project: entry.project, uploadId, objectId: entry.objectId };
    if (entry.upload.multipartId) {
      if (!parts || parts.length === 0) {
        throw new BadInputError(
          'this upload went up in parts: pass each part number with the ETag its PUT returned',
          {
            argument: 'parts',
          },
        );
      }
      try {
        await raw.completeMultipart(entry.project, entry.key, entry.upload.multipartId, parts);
      } catch (error) {
        throw (error as { extensions?: unknown }).extensions
          ? error
          : verificationFailed('PARTS', 'the store refused the parts');
      }
    }
    const stored = await raw.stat(entry.project, entry.key);
    if (!stored)
      throw verificationFailed('MISSING', 'nothing was uploaded yet: PUT the file to the URL, then complete');
    try {
      const declaredSize = entry.upload.declaredSize!;
      if (stored.size !== declaredSize) {
        throw verificationFailed(
          'SIZE',
          `the store holds ${stored.size} bytes, ${declaredSize} were declared`,
        );
      }
      // Not awaited: the CATALOGED or FAILED event that ends the upload is written after these.
      void feed.tell({ ...base, type: 'STORED', bytes: stored.size, totalBytes: stored.size });
      const sha256 = stored.checksumSha256
        ? Buffer.from(stored.checksumSha256, 'base64').toString('hex')
        : (await this.lifecycle.hashStored(entry)).sha256;
      if (entry.upload.declaredSha256 && entry.upload.declaredSha256 !== sha256) {
        throw verificationFailed('CHECKSUM', 'the uploaded bytes do not have the declared SHA-256');
      }
      void feed.tell({ ...base, type: 'VERIFIED', bytes: stored.size, totalBytes: stored.size });
      const finished = await this.lifecycle.finish(project, entry, {
        size: stored.size,
        sha256,
        startedAt: entry.createdAt.getTime(),
        operation: 'upload',
      });
      return { ...finished, replayed: false };
    } catch (error) {
      await this.lifecycle.abandon(entry, error, 'completeUpload');
      if (entry.idempotencyKey) await this.keys.release(entry.project, entry.idempotencyKey).catch(() => {});
      throw error;
    }
  }

  /** Cancels a pending upload: parts and bytes already sent are removed, the entry ends FAILED. */
  async abort(uploadId: string): Promise<CatalogEntry> {
    const entry = await this.pending(uploadId);
    if (entry.status !== 'PENDING')
      throw new ConflictError(`upload ${uploadId} is ${entry.status.toLowerCase()}`);
    await this.lifecycle.abandon(entry, new Error('aborted by the client'), 'abortUpload');
    if (entry.idempotencyKey) await this.keys.release(entry.project, entry.idempotencyKey).catch(() => {});
    const [after] = await this.lifecycle.catalog.entries(entry.project, [entry.objectId]);
    return after ?? entry;
  }
}
