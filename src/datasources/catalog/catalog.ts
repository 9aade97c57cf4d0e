import { StoreAnswerError } from '../guard.js';

/** Records of the metadata catalog, and the two interfaces every catalog implementation provides. */

export type EntryStatus = 'PENDING' | 'STORED' | 'FAILED' | 'QUARANTINED';
export type DuplicatePolicy = 'KEEP' | 'REJECT';

export interface TenantProfile {
  /** Largest object in bytes; null: only the gateway's own limit applies. */
  maxFileSize: number | null;
  /** Most objects (stored or being stored); null: no limit. */
  maxFiles: number | null;
  /** Lower-case extensions without the dot; empty: any. */
  allowedExtensions: string[];
  /** Content types, `type/*` allowed; empty: any. */
  allowedContentTypes: string[];
  duplicatePolicy: DuplicatePolicy;
  /** Each stored object gets the pipeline the rules choose for it. */
  pipelineOnUpload: boolean;
}

export interface ProjectRecord {
  name: string;
  createdAt: Date;
  profile: TenantProfile;
}

export interface Operation {
  at: Date;
  operation: string;
  runId: string | null;
  message: string | null;
}

export interface IngestionMetrics {
  bytes: number;
  durationMs: number;
  bytesPerSecond: number;
}

/** How the bytes arrive: streamed through the gateway, or PUT by the client to a presigned URL. */
export interface UploadIntent {
  method: 'STREAM' | 'PRESIGNED';
  declaredSize: number | null;
  declaredSha256: string | null;
  /** S3 multipart upload id of a presigned multipart upload. */
  multipartId: string | null;
  partSize: number | null;
}

export interface CatalogEntry {
  project: string;
  objectId: number;
  /** Object key in the project's bucket; made by the gateway, never by the client. */
  key: string;
  uploadId: string;
  owner: string;
  contentType: string;
  originalName: string;
  application: string | null;
  size: number | null;
  sha256: string | null;
  createdAt: Date;
  lastModified: Date;
  status: EntryStatus;
  successfulOperations: Operation[];
  failedOperations: Operation[];
  otherData: Record<string, unknown> | null;
  /** Which pipeline processes the object: `default` (by the pipeline rules) or a pipeline's name. */
  dataProcessing?: string;
  metrics: IngestionMetrics | null;
  duplicateOf: number | null;
  /** The Idempotency-Key the upload came with, if any. */
  idempotencyKey: string | null;
  /**
   * While PENDING: after this the reconciler finishes or rolls back the intent. While STORED: set until
   * the entry is announced (CATALOGED event, pipeline triggered); after this the reconciler announces it.
   */
  expiresAt: Date | null;
  upload: UploadIntent;
}

/** A user value compared for equality only: never an operator. */
export type Scalar = string | number | boolean | null;

export interface EntryFilter {
  contentType?: string;
  owner?: string;
  status?: EntryStatus;
  createdFrom?: Date;
  createdTo?: Date;
  /** Each: the value at that dotted path of otherData equals the scalar. Paths are checked by the caller. */
  otherData?: { path: string; value: Scalar }[];
}

/** What a retried request must match to get the first result back. */
export interface IdempotencyRecord {
  project: string;
  key: string;
  /** The object the first request made; null until its intent exists. */
  objectId: number | null;
  /** Fingerprint of the first request's content; null while it is still running. */
  fingerprint: string | null;
  createdAt: Date;
}

export interface EntryChanges {
  set?: Partial<Omit<CatalogEntry, 'project' | 'objectId' | 'successfulOperations' | 'failedOperations'>>;
  succeeded?: Operation;
  failed?: Operation;
}

/** Thrown by inserts that hit a unique key (object id, key, upload id, idempotency key). */
export class DuplicateKeyError extends StoreAnswerError {
  override name = 'DuplicateKeyError';
}

export interface Catalog {
  createProject(project: ProjectRecord): Promise<void>;
  updateProfile(name: string, profile: TenantProfile): Promise<ProjectRecord | null>;
  /** In the order asked, null for unknown names: the batch behind the project loader. */
  projects(names: readonly string[]): Promise<(ProjectRecord | null)[]>;
  listProjects(): Promise<ProjectRecord[]>;

  /**
   * Takes `count` object ids of a project (1, 2, ...) and answers with the last. Several gateways at once
   * may be handed an id that is taken: the insert fails, ask again.
   */
  nextObjectId(project: string, count?: number): Promise<number>;
  insertEntry(entry: CatalogEntry): Promise<void>;
  /** In the order asked, null for unknown ids: the batch behind the entry loader. */
  entries(project: string, objectIds: readonly number[]): Promise<(CatalogEntry | null)[]>;
  entryByUpload(uploadId: string): Promise<CatalogEntry | null>;
  /** The first STORED entry of the project with that content, other than `except`. */
  entryBySha256(project: string, sha256: string, except: number): Promise<CatalogEntry | null>;
  /** Which of these keys have an entry. */
  keysWithEntries(project: string, keys: readonly string[]): Promise<Set<string>>;
  /** Newest first; `before` is an object id (keyset pagination). */
  findEntries(project: string, filter: EntryFilter, limit: number, before?: number): Promise<CatalogEntry[]>;
  countEntries(project: string, statuses: readonly EntryStatus[]): Promise<number>;
  /** Applies the changes only if the entry is still in `expected` status; null when it was not. */
  transition(
    project: string,
    objectId: number,
    expected: EntryStatus,
    changes: EntryChanges,
  ): Promise<CatalogEntry | null>;
  /** PENDING entries whose expiresAt has passed, oldest first. */
  expiredIntents(now: Date, limit: number): Promise<CatalogEntry[]>;
  /** STORED entries whose expiresAt has passed: stored by a process that died before announcing them. */
  unannouncedEntries(now: Date, limit: number): Promise<CatalogEntry[]>;

  /** Records a key; DuplicateKeyError when the project already has it. */
  insertIdempotency(record: IdempotencyRecord): Promise<void>;
  idempotency(project: string, key: string): Promise<IdempotencyRecord | null>;
  updateIdempotency(
    project: string,
    key: string,
    changes: Pick<Partial<IdempotencyRecord>, 'objectId' | 'fingerprint'>,
  ): Promise<void>;
  removeIdempotency(project: string, key: string): Promise<void>;
}

export type IngestionEventType =
  | 'STARTED'
  | 'BYTES_RECEIVED'
  | 'STORED'
  | 'VERIFIED'
  | 'CATALOGED'
  | 'FAILED'
  | 'PIPELINE_QUEUED'
  | 'PIPELINE_STARTED'
  | 'STEP_PROGRESS'
  | 'STEP_SUCCEEDED'
  | 'STEP_FAILED'
  | 'PIPELINE_SUCCEEDED'
  | 'PIPELINE_FAILED'
  | 'PIPELINE_CANCELLED';

export interface IngestionEventRecord {
  project: string;
  /** Per project, increasing; what `after` refers to. */
  sequence: number;
  type: IngestionEventType;
  uploadId: string;
  objectId: number;
  at: Date;
  bytes: number | null;
  totalBytes: number | null;
  message: string | null;
  /** For FAILED, STEP_FAILED and PIPELINE_FAILED: the error code. */
  code: string | null;
  /** For pipeline events: the run, and the step when the event is about one. */
  runId: string | null;
  step: string | null;
}

/** The persisted progress feed: what a reconnecting subscriber replays. */
export interface EventLog {
  /** Gives the events (all of one project) the project's next sequence numbers, in order, and stores them. */
  append(events: Omit<IngestionEventRecord, 'sequence'>[]): Promise<IngestionEventRecord[]>;
  /** Events with a sequence above `after`, in order, optionally of one upload. */
  after(
    project: string,
    after: number,
    uploadId: string | null,
    limit: number,
  ): Promise<IngestionEventRecord[]>;
}
