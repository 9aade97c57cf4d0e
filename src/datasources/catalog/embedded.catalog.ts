import { join } from 'node:path';
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
  type Operation,
  type ProjectRecord,
  type TenantProfile,
} from './catalog.js';
import { assertDataPath } from './data-path.js';
import { Journal } from './journal.js';
import { type RunChanges, type RunRecord, type RunStatus, type RunStore } from './runs.js';

type JournalRecord =
  | { t: 'project'; v: ProjectRecord }
  | { t: 'entry'; v: CatalogEntry }
  | { t: 'counter'; k: string; v: number }
  | { t: 'idempotency'; v: IdempotencyRecord }
  | { t: 'idempotency-removed'; k: string }
  | { t: 'event'; v: IngestionEventRecord }
  | { t: 'run'; v: RunRecord };

/** How many events per project the embedded log keeps for replay. */
const EVENTS_KEPT = 10_000;

const date = (v: unknown) => new Date(v as string);
const reviveOperation = (o: Operation): Operation => ({ ...o, at: date(o.at) });

/** JSON has no dates: put them back where the records have them (never inside user data). */
function revive(record: JournalRecord): JournalRecord {
  switch (record.t) {
    case 'project':
      return { ...record, v: { ...record.v, createdAt: date(record.v.createdAt) } };
    case 'entry': {
      const e = record.v;
      return {
        ...record,
        v: {
          ...e,
          createdAt: date(e.createdAt),
          lastModified: date(e.lastModified),
          expiresAt: e.expiresAt === null ? null : date(e.expiresAt),
          successfulOperations: e.successfulOperations.map(reviveOperation),
          failedOperations: e.failedOperations.map(reviveOperation),
        },
      };
    }
    case 'idempotency':
      return { ...record, v: { ...record.v, createdAt: date(record.v.createdAt) } };
    case 'event':
      return { ...record, v: { ...record.v, at: date(record.v.at) } };
    case 'run':
      return { ...record, v: reviveRun(record.v) };
    default:
      return record;
  }
}

const maybeDate = (v: unknown) => (v === null ? null : date(v));

function reviveRun(r: RunRecord): RunRecord {
  return {
    ...r,
    createdAt: date(r.createdAt),
    lastModified: date(r.lastModified),
    startedAt: maybeDate(r.startedAt),
    finishedAt: maybeDate(r.finishedAt),
    leaseUntil: maybeDate(r.leaseUntil),
    steps: r.steps.map((s) => ({
      ...s,
      startedAt: maybeDate(s.startedAt),
      finishedAt: maybeDate(s.finishedAt),
    })),
  };
}

function valueAt(data: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
      data,
    );
}

function matches(e: CatalogEntry, f: EntryFilter): boolean {
  return (
    (f.contentType === undefined || e.contentType === f.contentType) &&
    (f.owner === undefined || e.owner === f.owner) &&
    (f.status === undefined || e.status === f.status) &&
    (!f.createdFrom || e.createdAt >= f.createdFrom) &&
    (!f.createdTo || e.createdAt < f.createdTo) &&
    (f.otherData ?? []).every(({ path, value }) => valueAt(e.otherData, path) === value)
  );
}

/**
 * The embedded catalog of the default run: everything in memory, every change appended to a journal file
 * under DATA_DIR and replayed at start. One gateway process per data folder.
 */
export class EmbeddedCatalog implements Catalog, EventLog, RunStore {
  private readonly journal: Journal<JournalRecord>;
  private readonly projectsByName = new Map<string, ProjectRecord>();
  private readonly entriesByProject = new Map<string, Map<number, CatalogEntry>>();
  private readonly counters = new Map<string, number>();
  private readonly idempotencyByKey = new Map<string, IdempotencyRecord>();
  private readonly events = new Map<string, IngestionEventRecord[]>();
  private readonly runsById = new Map<string, RunRecord>();

  constructor(dir: string) {
    this.journal = new Journal(join(dir, 'catalog.jsonl'));
  }

  /** Replays the journal, then compacts it to the current state. */
  async init(): Promise<void> {
    for (const record of await this.journal.replay()) this.apply(revive(record));
    await this.journal.rewrite(this.snapshot());
  }

  close(): Promise<void> {
    return this.journal.close();
  }

  private apply(r: JournalRecord): void {
    switch (r.t) {
      case 'project':
        this.projectsByName.set(r.v.name, r.v);
        break;
      case 'entry':
        this.projectEntries(r.v.project).set(r.v.objectId, r.v);
        break;
      case 'counter':
        this.counters.set(r.k, r.v);
        break;
      case 'idempotency':
        this.idempotencyByKey.set(`${r.v.project}/${r.v.key}`, r.v);
        break;
      case 'idempotency-removed':
        this.idempotencyByKey.delete(r.k);
        break;
      case 'run':
        this.runsById.set(r.v.runId, r.v);
        break;
      case 'event': {
        const list = this.events.get(r.v.project) ?? [];
        list.push(r.v);
        if (list.length > EVENTS_KEPT) list.splice(0, list.length - EVENTS_KEPT);
        this.events.set(r.v.project, list);
        break;
      }
    }
  }

  private snapshot(): JournalRecord[] {
    return [
      ...[...this.projectsByName.values()].map((v) => ({ t: 'project', v }) as const),
      ...[...this.counters].map(([k, v]) => ({ t: 'counter', k, v }) as const),
      ...[...this.entriesByProject.values()].flatMap((m) =>
        [...m.values()].map((v) => ({ t: 'entry', v }) as const),
      ),
      ...[...this.idempotencyByKey.values()].map((v) => ({ t: 'idempotency', v }) as const),
      ...[...this.events.values()].flatMap((list) => list.map((v) => ({ t: 'event', v }) as const)),
      ...[...this.runsById.values()].map((v) => ({ t: 'run', v }) as const),
    ];
  }

  /** Applies changes in memory and journals them; callers get copies, never the stored objects. */
  private async write(...records: JournalRecord[]): Promise<void> {
    for (const record of records) this.apply(record);
    await this.journal.append(...records);
  }

  private projectEntries(project: string): Map<number, CatalogEntry> {
    let entries = this.entriesByProject.get(project);
    if (!entries) this.entriesByProject.set(project, (entries = new Map()));
    return entries;
  }

  async createProject(project: ProjectRecord): Promise<void> {
    if (this.projectsByName.has(project.name)) throw new DuplicateKeyError(`project ${project.name} exists`);
    await this.write({ t: 'project', v: structuredClone(project) });
  }

  async updateProfile(name: string, profile: TenantProfile): Promise<ProjectRecord | null> {
    const current = this.projectsByName.get(name);
    if (!current) return null;
    const updated = { ...current, profile: structuredClone(profile) };
    await this.write({ t: 'project', v: updated });
    return structuredClone(updated);
  }

  async projects(names: readonly string[]): Promise<(ProjectRecord | null)[]> {
    return names.map((n) => structuredClone(this.projectsByName.get(n) ?? null));
  }

  async listProjects(): Promise<ProjectRecord[]> {
    return [...this.projectsByName.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((p) => structuredClone(p));
  }

  private async next(counter: string, count = 1): Promise<number> {
    const value = (this.counters.get(counter) ?? 0) + count;
    await this.write({ t: 'counter', k: counter, v: value });
    return value;
  }

  nextObjectId(project: string, count = 1): Promise<number> {
    return this.next(`objects/${project}`, count);
  }

  async insertEntry(entry: CatalogEntry): Promise<void> {
    const entries = this.projectEntries(entry.project);
    if (entries.has(entry.objectId))
      throw new DuplicateKeyError(`entry ${entry.project}/${entry.objectId} exists`);
    for (const e of entries.values()) {
      if (e.key === entry.key || e.uploadId === entry.uploadId)
        throw new DuplicateKeyError(`key or upload taken`);
    }
    await this.write({ t: 'entry', v: structuredClone(entry) });
  }

  async entries(project: string, objectIds: readonly number[]): Promise<(CatalogEntry | null)[]> {
    const entries = this.projectEntries(project);
    return objectIds.map((id) => structuredClone(entries.get(id) ?? null));
  }

  private all(): CatalogEntry[] {
    return [...this.entriesByProject.values()].flatMap((m) => [...m.values()]);
  }

  async entryByUpload(uploadId: string): Promise<CatalogEntry | null> {
    return structuredClone(this.all().find((e) => e.uploadId === uploadId) ?? null);
  }

  async entryBySha256(project: string, sha256: string, except: number): Promise<CatalogEntry | null> {
    const found = [...this.projectEntries(project).values()]
      .filter((e) => e.sha256 === sha256 && e.status === 'STORED' && e.objectId !== except)
      .sort((a, b) => a.objectId - b.objectId)[0];
    return structuredClone(found ?? null);
  }

  async keysWithEntries(project: string, keys: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(keys);
    return new Set([...this.projectEntries(project).values()].map((e) => e.key).filter((k) => wanted.has(k)));
  }

  async findEntries(
    project: string,
    filter: EntryFilter,
    limit: number,
    before?: number,
  ): Promise<CatalogEntry[]> {
    for (const { path } of filter.otherData ?? []) assertDataPath(path);
    return [...this.projectEntries(project).values()]
      .filter((e) => (before === undefined || e.objectId < before) && matches(e, filter))
      .sort((a, b) => b.objectId - a.objectId)
      .slice(0, limit)
      .map((e) => structuredClone(e));
  }

  async countEntries(project: string, statuses: readonly EntryStatus[]): Promise<number> {
    return [...this.projectEntries(project).values()].filter((e) => statuses.includes(e.status)).length;
  }

  async transition(
    project: string,
    objectId: number,
    expected: EntryStatus,
    changes: EntryChanges,
  ): Promise<CatalogEntry | null> {
    const current = this.projectEntries(project).get(objectId);
    if (!current || current.status !== expected) return null;
    const updated: CatalogEntry = {
      ...current,
      lastModified: new Date(),
      ...structuredClone(changes.set),
      successfulOperations: changes.succeeded
        ? [...current.successfulOperations, changes.succeeded]
        : current.successfulOperations,
      failedOperations: changes.failed
        ? [...current.failedOperations, changes.failed]
        : current.failedOperations,
    };
    await this.write({ t: 'entry', v: updated });
    return structuredClone(updated);
  }

  async expiredIntents(now: Date, limit: number): Promise<CatalogEntry[]> {
    return this.expired('PENDING', now, limit);
  }

  async unannouncedEntries(now: Date, limit: number): Promise<CatalogEntry[]> {
    return this.expired('STORED', now, limit);
  }

  private expired(status: EntryStatus, now: Date, limit: number): CatalogEntry[] {
    return this.all()
      .filter((e) => e.status === status && e.expiresAt !== null && e.expiresAt < now)
      .sort((a, b) => a.expiresAt!.getTime() - b.expiresAt!.getTime())
      .slice(0, limit)
      .map((e) => structuredClone(e));
  }

  async insertIdempotency(record: IdempotencyRecord): Promise<void> {
    const k = `${record.project}/${record.key}`;
    if (this.idempotencyByKey.has(k)) throw new DuplicateKeyError(`idempotency key ${record.key} exists`);
    await this.write({ t: 'idempotency', v: structuredClone(record) });
  }

  async idempotency(project: string, key: string): Promise<IdempotencyRecord | null> {
    return structuredClone(this.idempotencyByKey.get(`${project}/${key}`) ?? null);
  }

  async updateIdempotency(
    project: string,
    key: string,
    changes: Pick<Partial<IdempotencyRecord>, 'objectId' | 'fingerprint'>,
  ): Promise<void> {
    const current = this.idempotencyByKey.get(`${project}/${key}`);
    if (current) await this.write({ t: 'idempotency', v: { ...current, ...changes } });
  }

  async removeIdempotency(project: string, key: string): Promise<void> {
    if (this.idempotencyByKey.has(`${project}/${key}`)) {
      await this.write({ t: 'idempotency-removed', k: `${project}/${key}` });
    }
  }

  /** The whole batch, counter step included, in one journal write. */
  async append(events: Omit<IngestionEventRecord, 'sequence'>[]): Promise<IngestionEventRecord[]> {
    if (events.length === 0) return [];
    const counter = `events/${events[0]!.project}`;
    const last = (this.counters.get(counter) ?? 0) + events.length;
    const records = events.map((e, i) => ({ ...e, sequence: last - events.length + 1 + i }));
    await this.write(
      { t: 'counter', k: counter, v: last },
      ...records.map((v) => ({ t: 'event', v: structuredClone(v) }) as const),
    );
    return records;
  }

  async after(
    project: string,
    after: number,
    uploadId: string | null,
    limit: number,
  ): Promise<IngestionEventRecord[]> {
    return (this.events.get(project) ?? [])
      .filter((e) => e.sequence > after && (uploadId === null || e.uploadId === uploadId))
      .slice(0, limit)
      .map((e) => structuredClone(e));
  }

  async insertRun(run: RunRecord): Promise<void> {
    if (this.runsById.has(run.runId)) throw new DuplicateKeyError(`run ${run.runId} exists`);
    await this.write({ t: 'run', v: structuredClone(run) });
  }

  async runs(runIds: readonly string[]): Promise<(RunRecord | null)[]> {
    return runIds.map((id) => structuredClone(this.runsById.get(id) ?? null));
  }

  async runsOfEntries(project: string, objectIds: readonly number[]): Promise<RunRecord[]> {
    const wanted = new Set(objectIds);
    return [...this.runsById.values()]
      .filter((r) => r.project === project && wanted.has(r.objectId))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .map((r) => structuredClone(r));
  }

  async updateRun(
    runId: string,
    expected: readonly RunStatus[],
    changes: RunChanges,
  ): Promise<RunRecord | null> {
    const current = this.runsById.get(runId);
    if (!current || !expected.includes(current.status)) return null;
    const updated = { ...current, lastModified: new Date(), ...structuredClone(changes) };
    await this.write({ t: 'run', v: updated });
    return structuredClone(updated);
  }

  async staleRuns(now: Date, queuedBefore: Date, limit: number): Promise<RunRecord[]> {
    return [...this.runsById.values()]
      .filter(
        (r) =>
          (r.status === 'RUNNING' && r.leaseUntil !== null && r.leaseUntil < now) ||
          (r.status === 'QUEUED' && r.lastModified < queuedBefore),
      )
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }
}
