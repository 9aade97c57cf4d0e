import { randomUUID } from 'node:crypto';
import {
  type Catalog,
  type CatalogEntry,
  DuplicateKeyError,
  type IngestionMetrics,
  type ProjectRecord,
  type UploadIntent,
} from '../datasources/catalog/catalog.js';
import { type RawStore } from '../datasources/rawstore/raw-store.js';
import { ErrorCode } from '../errors/codes.js';
import { LakegateError } from '../errors/errors.js';
import { type Logger } from '../logger.js';
import { type IngestionFeed } from './feed.js';
import { KeyedBatcher } from './batcher.js';
import { hashStream } from './meter.js';
import { objectKey } from './names.js';

export interface IntentFields {
  owner: string;
  contentType: string;
  originalName: string;
  application: string | null;
  otherData: Record<string, unknown> | null;
  dataProcessing: string;
  idempotencyKey: string | null;
  upload: UploadIntent;
  expiresAt: Date;
}

export interface Finished {
  entry: CatalogEntry;
  duplicateOf: CatalogEntry | null;
}

export function verificationFailed(reason: string, message: string): LakegateError {
  return new LakegateError(ErrorCode.UPLOAD_VERIFICATION_FAILED, message, { reason });
}

/** The code an upload failed with, for its FAILED event and failed operation. */
export function failureCode(error: unknown): string {
  const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
  return typeof code === 'string' ? code : ErrorCode.INTERNAL_SERVER_ERROR;
}

/**
 * The life of a catalog entry around its bytes: an intent (PENDING) is written before any byte, the
 * entry becomes STORED only once the object is verified, and an upload that fails leaves a FAILED
 * entry and no object. Shared by streamed uploads, presigned uploads and the reconciler.
 */
export class ObjectLifecycle {
  private readonly buckets = new Set<string>();
  /** Upload ids this process is announcing, so that its own reconciler does not do it a second time. */
  private readonly announcing = new Set<string>();
  /** Object ids come from the catalog's counter, a batch per round trip. */
  private readonly ids: KeyedBatcher<null, number>;
  /** Called once an entry is STORED (the pipeline trigger); its failure never fails the upload. */
  onStored: (project: ProjectRecord, entry: CatalogEntry) => Promise<unknown> = async () => {};

  constructor(
    readonly catalog: Catalog,
    readonly raw: RawStore,
    readonly feed: IngestionFeed,
    private readonly logger: Logger,
    /** How long a live gateway gets to announce an entry it stored before the reconciler does it. */
    private readonly announceTimeoutMs: number,
  ) {
    this.ids = new KeyedBatcher(async (project, wanted) => {
      const last = await catalog.nextObjectId(project, wanted.length);
      return wanted.map((_, i) => last - wanted.length + 1 + i);
    });
  }

  nextObjectId(project: string): Promise<number> {
    return this.ids.submit(project, null);
  }

  async ensureBucket(project: string): Promise<void> {
    if (this.buckets.has(project)) return;
    await this.raw.ensureBucket(project);
    this.buckets.add(project);
  }

  /** Writes the intent under the project's next object id (asking again if another writer took it). */
  async openIntent(project: ProjectRecord, fields: IntentFields): Promise<CatalogEntry> {
    const uploadId = randomUUID();
    for (let attempt = 0; ; attempt++) {
      const objectId = await this.nextObjectId(project.name);
      const now = new Date();
      const entry: CatalogEntry = {
        project: project.name,
        objectId,
        key: objectKey(objectId),
        uploadId,
        ...fields,
        size: null,
        sha256: null,
        createdAt: now,
        lastModified: now,
        status: 'PENDING',
        successfulOperations: [],
        failedOperations: [],
        metrics: null,
        duplicateOf: null,
      };
      try {
        await this.catalog.insertEntry(entry);
        return entry;
      } catch (error) {
        if (!(error instanceof DuplicateKeyError) || attempt >= 20) throw error;
      }
    }
  }

  /**
   * Applies the project's duplicate policy, then makes the entry STORED with its size, hash and metrics,
   * and announces it. Under the REJECT policy a duplicate is removed and the upload fails with
   * DUPLICATE_CONTENT. `recovering`: the reconciler finishes an upload whose process died.
   */
  async finish(
    project: ProjectRecord,
    entry: CatalogEntry,
    result: { size: number; sha256: string; startedAt: number; operation: string },
    recovering = false,
  ): Promise<Finished> {
    const duplicateOf = await this.catalog.entryBySha256(project.name, result.sha256, entry.objectId);
    if (duplicateOf && project.profile.duplicatePolicy === 'REJECT') {
      throw new LakegateError(
        ErrorCode.DUPLICATE_CONTENT,
        `project ${project.name} has this content already as object ${duplicateOf.objectId}`,
        { duplicateOf: duplicateOf.objectId },
      );
    }
    const durationMs = Math.max(Date.now() - result.startedAt, 1);
    const metrics: IngestionMetrics = {
      bytes: result.size,
      durationMs,
      bytesPerSecond: Math.round((result.size / durationMs) * 1000),
    };
    const stored = await this.catalog.transition(project.name, entry.objectId, 'PENDING', {
      set: {
        status: 'STORED',
        size: result.size,
        sha256: result.sha256,
        metrics,
        duplicateOf: duplicateOf?.objectId ?? null,
        // Kept until the entry is announced: past it, the reconciler announces it (see announce()).
        expiresAt: new Date(Date.now() + this.announceTimeoutMs),
      },
      succeeded: {
        at: new Date(),
        operation: result.operation,
        runId: entry.uploadId,
        message: duplicateOf ? `stored; same content as object ${duplicateOf.objectId}` : 'stored',
      },
    });
    if (!stored) {
      // Settled meanwhile by the other party (the reconciler and the upload can both finish an intent that
      // expired while it was being finished): the same bytes STORED are this upload done, not a failure
      // whose rollback would delete them.
      const [current] = await this.catalog.entries(project.name, [entry.objectId]);
      if (current?.status === 'STORED' && current.sha256 === result.sha256)
        return { entry: current, duplicateOf };
      throw new LakegateError(ErrorCode.CONFLICT, `upload ${entry.uploadId} is no longer pending`);
    }
    await this.announce(project, stored, recovering);
    return { entry: stored, duplicateOf };
  }

  /**
   * Tells the feed a STORED entry is CATALOGED and triggers its pipeline, then clears its expiresAt.
   * A process that dies in between leaves expiresAt set, and the reconciler calls this again with
   * `recovering`: it then first reads what the feed already has, so no event is told twice.
   */
  async announce(project: ProjectRecord, entry: CatalogEntry, recovering: boolean): Promise<boolean> {
    if (this.announcing.has(entry.uploadId)) return false;
    this.announcing.add(entry.uploadId);
    const base = { project: project.name, uploadId: entry.uploadId, objectId: entry.objectId };
    try {
      const told = recovering
        ? new Set((await this.feed.history(base.project, base.uploadId)).map((e) => e.type))
        : null;
      if (told && !told.has('STARTED'))
        await this.feed.publish({ ...base, type: 'STARTED', message: entry.originalName });
      if (!told?.has('CATALOGED')) {
        await this.feed.publish({
          ...base,
          type: 'CATALOGED',
          bytes: entry.size,
          totalBytes: entry.size,
          message: entry.duplicateOf === null ? null : `duplicate of object ${entry.duplicateOf}`,
        });
      }
      await this.onStored(project, entry);
      await this.catalog.transition(project.name, entry.objectId, 'STORED', { set: { expiresAt: null } });
      return true;
    } catch (error) {
      this.logger.warn({ err: error, uploadId: entry.uploadId }, 'upload not announced; the reconciler will');
      return false;
    } finally {
      this.announcing.delete(entry.uploadId);
    }
  }

  /**
   * Rolls an intent back: the object and any unfinished parts are removed, the entry becomes FAILED
   * with the reason, and a FAILED event is published. If the catalog cannot be reached the intent stays
   * PENDING and the reconciler finishes the job.
   */
  async abandon(entry: CatalogEntry, error: unknown, operation: string): Promise<void> {
    const code = failureCode(error);
    const message = error instanceof Error ? error.message : String(error);
    try {
      if (entry.upload.multipartId) {
        await this.raw.abortMultipart(entry.project, entry.key, entry.upload.multipartId).catch(() => {});
      }
      await this.raw.abortUnfinished(entry.project, entry.key);
      await this.raw.remove(entry.project, entry.key);
      await this.catalog.transition(entry.project, entry.objectId, 'PENDING', {
        set: { status: 'FAILED', expiresAt: null },
        failed: { at: new Date(), operation, runId: entry.uploadId, message: `${code}: ${message}` },
      });
    } catch (cleanupError) {
      this.logger.warn(
        { err: cleanupError, uploadId: entry.uploadId },
        'rollback incomplete; the reconciler will finish it',
      );
      return;
    }
    await this.feed.tell({
      project: entry.project,
      type: 'FAILED',
      uploadId: entry.uploadId,
      objectId: entry.objectId,
      code,
      message,
    });
  }

  /** Reads an object back to hash it: for stores that cannot vouch for a checksum themselves. */
  async hashStored(entry: CatalogEntry): Promise<{ sha256: string; bytes: number }> {
    return hashStream(await this.raw.get(entry.project, entry.key));
  }
}
