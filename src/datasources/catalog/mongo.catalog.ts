import {
  type Collection,
  type Filter,
  type IndexDescription,
  MongoBulkWriteError,
  MongoServerError,
} from 'mongodb';
import { guard } from '../guard.js';
import {
  type Catalog,
  type CatalogEntry,
  DuplicateKeyError,
  type EntryChanges,
  type EntryFilter,
  type EntryStatus,
  type EventLog,
  type IdempotencyRecord,
  type IngestionEventRecord,
  type ProjectRecord,
  type TenantProfile,
} from './catalog.js';
import { assertDataPath } from './data-path.js';
import { type MongoConnection } from './mongo.connection.js';
import { type RunChanges, type RunMatch, type RunRecord, type RunStatus, type RunStore } from './runs.js';

type WithId<T> = T & { _id: string };

const strip = <T extends object>(doc: WithId<T> | null): T | null => {
  if (!doc) return null;
  const { _id: _ignored, ...rest } = doc;
  return rest as unknown as T;
};

function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}

/**
 * The metadata catalog on MongoDB. It uses only what FerretDB 1.x (the test server) also has:
 * string _id keys, compound unique indexes, findOneAndUpdate with $inc/$set/$push, no transactions.
 */
export class MongoCatalog implements Catalog, EventLog, RunStore {
  /**
   * `deadlineMs` bounds every call: short for the reads behind GraphQL fields (partial results when the
   * store is slow), longer for ingestion, where a busy catalog should slow an upload down, not fail it.
   */
  constructor(
    private readonly connection: MongoConnection,
    private readonly deadlineMs: number = connection.timeoutMs,
  ) {}

  // Looked up at each call: the connection replaces its client when the driver hangs.
  private get projectsCol(): Collection<WithId<ProjectRecord>> {
    return this.connection.db.collection('projects');
  }
  private get entriesCol(): Collection<WithId<CatalogEntry>> {
    return this.connection.db.collection('entries');
  }
  private get countersCol(): Collection<{ _id: string; value: number }> {
    return this.connection.db.collection('counters');
  }
  private get idempotencyCol(): Collection<WithId<IdempotencyRecord>> {
    return this.connection.db.collection('idempotency');
  }
  private get eventsCol(): Collection<WithId<IngestionEventRecord>> {
    return this.connection.db.collection('events');
  }
  private get runsCol(): Collection<WithId<RunRecord>> {
    return this.connection.db.collection('runs');
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return guard('catalog', this.deadlineMs, fn);
  }

  /**
   * Creates the indexes the queries rely on; safe to run at every start. One index a command: FerretDB
   * 1.24 drops the connection when one command names several indexes that exist already.
   */
  init(): Promise<void> {
    const indexes: Record<string, IndexDescription[]> = {
      entries: [
        { key: { project: 1, key: 1 }, name: 'project_key', unique: true },
        { key: { uploadId: 1 }, name: 'upload', unique: true },
        { key: { project: 1, sha256: 1 }, name: 'project_sha256' },
        { key: { status: 1, expiresAt: 1 }, name: 'status_expires' },
        { key: { project: 1, objectId: -1 }, name: 'project_object' },
      ],
      events: [{ key: { project: 1, sequence: 1 }, name: 'project_sequence' }],
      runs: [
        { key: { project: 1, objectId: 1 }, name: 'project_object' },
        { key: { status: 1, leaseUntil: 1 }, name: 'status_lease' },
      ],
    };
    return this.call(async () => {
      for (const [collection, list] of Object.entries(indexes)) {
        for (const index of list) await this.connection.db.collection(collection).createIndexes([index]);
      }
    });
  }

  createProject(project: ProjectRecord): Promise<void> {
    return this.call(async () => {
      try {
        await this.projectsCol.insertOne({ _id: project.name, ...project });
      } catch (error) {
        if (isDuplicateKey(error)) throw new DuplicateKeyError(`project ${project.name} exists`);
        throw error;
      }
    });
  }

  updateProfile(name: string, profile: TenantProfile): Promise<ProjectRecord | null> {
    return this.call(async () =>
      strip(
        await this.projectsCol.findOneAndUpdate(
          { _id: name },
          { $set: { profile } },
          { returnDocument: 'after' },
        ),
      ),
    );
  }

  projects(names: readonly string[]): Promise<(ProjectRecord | null)[]> {
    return this.call(async () => {
      const found = await this.projectsCol.find({ _id: { $in: [...names] } }).toArray();
      const byName = new Map(found.map((p) => [p._id, strip(p)!]));
      return names.map((n) => byName.get(n) ?? null);
    });
  }

  listProjects(): Promise<ProjectRecord[]> {
    return this.call(async () =>
      (await this.projectsCol.find({}).sort({ _id: 1 }).toArray()).map((p) => strip(p)!),
    );
  }

  /** Takes `count` numbers from a counter; resolves with the last one. */
  private next(counter: string, count = 1): Promise<number> {
    const increment = () =>
      this.countersCol.findOneAndUpdate(
        { _id: counter },
        { $inc: { value: count } },
        { upsert: true, returnDocument: 'after' },
      );
    return this.call(async () => {
      // Two first increments may both try to create the counter: the loser increments the winner's.
      const doc = await increment().catch((error: unknown) => {
        if (isDuplicateKey(error)) return increment();
        throw error;
      });
      return doc!.value;
    });
  }

  nextObjectId(project: string, count = 1): Promise<number> {
    return this.next(`objects/${project}`, count);
  }

  insertEntry(entry: CatalogEntry): Promise<void> {
    return this.call(async () => {
      try {
        await this.entriesCol.insertOne({ _id: `${entry.project}/${entry.objectId}`, ...entry });
      } catch (error) {
        if (isDuplicateKey(error))
          throw new DuplicateKeyError(`entry ${entry.project}/${entry.objectId} exists`);
        throw error;
      }
    });
  }

  entries(project: string, objectIds: readonly number[]): Promise<(CatalogEntry | null)[]> {
    return this.call(async () => {
      const ids = objectIds.map((id) => `${project}/${id}`);
      const found = await this.entriesCol.find({ _id: { $in: ids } }).toArray();
      const byId = new Map(found.map((e) => [e.objectId, strip(e)!]));
      return objectIds.map((id) => byId.get(id) ?? null);
    });
  }

  entryByUpload(uploadId: string): Promise<CatalogEntry | null> {
    return this.call(async () => strip(await this.entriesCol.findOne({ uploadId: { $eq: uploadId } })));
  }

  entryBySha256(project: string, sha256: string, except: number): Promise<CatalogEntry | null> {
    return this.call(async () =>
      strip(
        await this.entriesCol.findOne(
          { project, sha256: { $eq: sha256 }, status: 'STORED', objectId: { $ne: except } },
          { sort: { objectId: 1 } },
        ),
      ),
    );
  }

  keysWithEntries(project: string, keys: readonly string[]): Promise<Set<string>> {
    return this.call(async () => {
      const found = await this.entriesCol
        .find({ project, key: { $in: [...keys] } }, { projection: { key: 1 } })
        .toArray();
      return new Set(found.map((e) => e.key));
    });
  }

  async findEntries(
    project: string,
    filter: EntryFilter,
    limit: number,
    before?: number,
  ): Promise<CatalogEntry[]> {
    const query: Filter<WithId<CatalogEntry>> = { project };
    if (filter.contentType !== undefined) query.contentType = { $eq: filter.contentType };
    if (filter.owner !== undefined) query.owner = { $eq: filter.owner };
    if (filter.status !== undefined) query.status = { $eq: filter.status };
    if (filter.createdFrom || filter.createdTo) {
      query.createdAt = {
        ...(filter.createdFrom && { $gte: filter.createdFrom }),
        ...(filter.createdTo && { $lt: filter.createdTo }),
      };
    }
    if (before !== undefined) query.objectId = { $lt: before };
    const conditions = query as Record<string, unknown>;
    for (const { path, value } of filter.otherData ?? []) {
      assertDataPath(path);
      conditions[`otherData.${path}`] = { $eq: value };
    }
    return this.call(async () =>
      (await this.entriesCol.find(query).sort({ objectId: -1 }).limit(limit).toArray()).map((e) => strip(e)!),
    );
  }

  countEntries(project: string, statuses: readonly EntryStatus[]): Promise<number> {
    return this.call(() => this.entriesCol.countDocuments({ project, status: { $in: [...statuses] } }));
  }

  transition(
    project: string,
    objectId: number,
    expected: EntryStatus,
    changes: EntryChanges,
    match?: Pick<CatalogEntry, 'expiresAt'>,
  ): Promise<CatalogEntry | null> {
    const update: Record<string, object> = { $set: { lastModified: new Date(), ...changes.set } };
    const push: Record<string, unknown> = {};
    if (changes.succeeded) push['successfulOperations'] = changes.succeeded;
    if (changes.failed) push['failedOperations'] = changes.failed;
    if (Object.keys(push).length > 0) update['$push'] = push;
    return this.call(async () =>
      strip(
        await this.entriesCol.findOneAndUpdate(
          { _id: `${project}/${objectId}`, status: expected, ...match },
          update,
          { returnDocument: 'after' },
        ),
      ),
    );
  }

  expiredIntents(now: Date, limit: number): Promise<CatalogEntry[]> {
    return this.expired('PENDING', now, limit);
  }

  unannouncedEntries(now: Date, limit: number): Promise<CatalogEntry[]> {
    return this.expired('STORED', now, limit);
  }

  private expired(status: EntryStatus, now: Date, limit: number): Promise<CatalogEntry[]> {
    return this.call(async () =>
      (
        await this.entriesCol
          .find({ status, expiresAt: { $lt: now } })
          .sort({ expiresAt: 1 })
          .limit(limit)
          .toArray()
      ).map((e) => strip(e)!),
    );
  }

  claim(key: string): Promise<boolean> {
    return this.call(async () => {
      try {
        await this.connection.db
          .collection<{ _id: string; at: Date }>('claims')
          .insertOne({ _id: key, at: new Date() });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    });
  }

  insertIdempotency(record: IdempotencyRecord): Promise<void> {
    return this.call(async () => {
      try {
        await this.idempotencyCol.insertOne({ _id: `${record.project}/${record.key}`, ...record });
      } catch (error) {
        if (isDuplicateKey(error)) throw new DuplicateKeyError(`idempotency key ${record.key} exists`);
        throw error;
      }
    });
  }

  idempotency(project: string, key: string): Promise<IdempotencyRecord | null> {
    return this.call(async () => strip(await this.idempotencyCol.findOne({ _id: `${project}/${key}` })));
  }

  updateIdempotency(
    project: string,
    key: string,
    changes: Pick<Partial<IdempotencyRecord>, 'objectId' | 'fingerprint'>,
  ): Promise<void> {
    return this.call(async () => {
      await this.idempotencyCol.updateOne({ _id: `${project}/${key}` }, { $set: changes });
    });
  }

  removeIdempotency(project: string, key: string): Promise<void> {
    return this.call(async () => {
      await this.idempotencyCol.deleteOne({ _id: `${project}/${key}` });
    });
  }

  async append(events: Omit<IngestionEventRecord, 'sequence'>[]): Promise<IngestionEventRecord[]> {
    if (events.length === 0) return [];
    const project = events[0]!.project;
    const last = await this.next(`events/${project}`, events.length);
    const records = events.map((e, i) => ({ ...e, sequence: last - events.length + 1 + i }));
    const inserted = await this.call(async () => {
      try {
        await this.eventsCol.insertMany(records.map((r) => ({ _id: `${project}/${r.sequence}`, ...r })));
        return records.length;
      } catch (error) {
        // FerretDB's $inc is not atomic when several gateways share a counter: a number can be taken.
        // The insert is ordered, so the events before the taken number are in; the rest ask again.
        if (error instanceof MongoBulkWriteError && error.code === 11000) return error.insertedCount;
        throw error;
      }
    });
    return [...records.slice(0, inserted), ...(await this.append(events.slice(inserted)))];
  }

  after(
    project: string,
    after: number,
    uploadId: string | null,
    limit: number,
  ): Promise<IngestionEventRecord[]> {
    const query: Filter<WithId<IngestionEventRecord>> = { project, sequence: { $gt: after } };
    if (uploadId !== null) query.uploadId = { $eq: uploadId };
    return this.call(async () =>
      (await this.eventsCol.find(query).sort({ sequence: 1 }).limit(limit).toArray()).map((e) => strip(e)!),
    );
  }

  insertRun(run: RunRecord): Promise<void> {
    return this.call(async () => {
      try {
        await this.runsCol.insertOne({ _id: run.runId, ...run });
      } catch (error) {
        if (isDuplicateKey(error)) throw new DuplicateKeyError(`run ${run.runId} exists`);
        throw error;
      }
    });
  }

  runs(runIds: readonly string[]): Promise<(RunRecord | null)[]> {
    return this.call(async () => {
      const found = await this.runsCol.find({ _id: { $in: [...runIds] } }).toArray();
      const byId = new Map(found.map((r) => [r._id, strip(r)!]));
      return runIds.map((id) => byId.get(id) ?? null);
    });
  }

  runsOfEntries(project: string, objectIds: readonly number[]): Promise<RunRecord[]> {
    return this.call(async () =>
      (
        await this.runsCol
          .find({ project, objectId: { $in: [...objectIds] } })
          .sort({ createdAt: -1 })
          .toArray()
      ).map((r) => strip(r)!),
    );
  }

  updateRun(
    runId: string,
    expected: readonly RunStatus[],
    changes: RunChanges,
    match: RunMatch = {},
  ): Promise<RunRecord | null> {
    return this.call(async () =>
      strip(
        await this.runsCol.findOneAndUpdate(
          { _id: runId, status: { $in: [...expected] }, ...match },
          { $set: { ...changes, lastModified: new Date() } },
          { returnDocument: 'after' },
        ),
      ),
    );
  }

  staleRuns(now: Date, queuedBefore: Date, limit: number): Promise<RunRecord[]> {
    return this.call(async () => {
      const leased = await this.runsCol
        .find({ status: { $in: ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] }, leaseUntil: { $lt: now } })
        .limit(limit)
        .toArray();
      const queued = await this.runsCol
        .find({ status: 'QUEUED', lastModified: { $lt: queuedBefore } })
        .sort({ lastModified: 1 })
        .limit(limit)
        .toArray();
      return [...leased, ...queued].map((r) => strip(r)!);
    });
  }
}
