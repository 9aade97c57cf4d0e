import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Catalog,
  type CatalogEntry,
  DuplicateKeyError,
  type EventLog,
} from '../../src/datasources/catalog/catalog.js';
import { EmbeddedCatalog } from '../../src/datasources/catalog/embedded.catalog.js';
import { MongoCatalog } from '../../src/datasources/catalog/mongo.catalog.js';
import { MongoConnection } from '../../src/datasources/catalog/mongo.connection.js';
import { DEFAULT_PROFILE } from '../../src/ingestion/profile.js';
import { freshMongoUrl } from '../helpers/backends.js';
import { uniqueName } from '../helpers/stack.js';

type Store = Catalog & EventLog;

interface Backend {
  name: string;
  open(): Promise<{ store: Store; close(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'embedded',
    async open() {
      const store = new EmbeddedCatalog(mkdtempSync(join(tmpdir(), 'lakegate-catalog-')));
      await store.init();
      return { store, close: () => store.close() };
    },
  },
  {
    name: 'MongoDB wire (FerretDB)',
    async open() {
      const connection = new MongoConnection(freshMongoUrl(), 10_000);
      const store = new MongoCatalog(connection);
      await store.init();
      return {
        store,
        close: async () => {
          await connection.db.dropDatabase();
          await connection.close();
        },
      };
    },
  },
];

function entry(project: string, objectId: number, changes: Partial<CatalogEntry> = {}): CatalogEntry {
  const at = new Date(Date.UTC(2026, 0, objectId));
  return {
    project,
    objectId,
    key: `key-${objectId}`,
    uploadId: `${project}-upload-${objectId}`,
    owner: 'ana',
    contentType: 'text/csv',
    originalName: `file-${objectId}.csv`,
    application: null,
    size: 10,
    sha256: null,
    createdAt: at,
    lastModified: at,
    status: 'STORED',
    successfulOperations: [],
    failedOperations: [],
    otherData: null,
    metrics: null,
    duplicateOf: null,
    idempotencyKey: null,
    expiresAt: null,
    upload: { method: 'STREAM', declaredSize: null, declaredSha256: null, multipartId: null, partSize: null },
    ...changes,
  };
}

for (const backend of BACKENDS) {
  describe(`Catalog contract: ${backend.name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    before(async () => {
      ({ store, close } = await backend.open());
    });
    after(() => close());

    it('creates projects once, lists them by name and answers batches in the order asked', async () => {
      const created = new Date();
      await store.createProject({ name: 'beta', createdAt: created, profile: DEFAULT_PROFILE });
      await store.createProject({
        name: 'alpha',
        createdAt: created,
        profile: { ...DEFAULT_PROFILE, maxFiles: 3 },
      });
      await assert.rejects(
        store.createProject({ name: 'alpha', createdAt: created, profile: DEFAULT_PROFILE }),
        DuplicateKeyError,
      );
      assert.deepEqual(
        (await store.listProjects()).map((p) => p.name),
        ['alpha', 'beta'],
      );
      const batch = await store.projects(['beta', 'nope', 'alpha']);
      assert.deepEqual(
        batch.map((p) => p?.name ?? null),
        ['beta', null, 'alpha'],
      );
      assert.equal(batch[2]?.profile.maxFiles, 3);
      assert.ok(batch[0]?.createdAt instanceof Date);
      const updated = await store.updateProfile('beta', { ...DEFAULT_PROFILE, duplicatePolicy: 'REJECT' });
      assert.equal(updated?.profile.duplicatePolicy, 'REJECT');
      assert.equal(await store.updateProfile('nope', DEFAULT_PROFILE), null);
    });

    it('gives concurrent writers distinct object ids (a taken id fails the insert, the writer asks again)', async () => {
      const p = uniqueName('ids');
      const insertNext = async (): Promise<number> => {
        for (;;) {
          const id = await store.nextObjectId(p);
          try {
            await store.insertEntry(entry(p, id, { key: `k-${id}`, uploadId: `${p}-${id}` }));
            return id;
          } catch (error) {
            if (!(error instanceof DuplicateKeyError)) throw error;
          }
        }
      };
      const ids = await Promise.all(Array.from({ length: 10 }, insertNext));
      assert.equal(new Set(ids).size, 10, `ten different ids: ${ids.join(',')}`);
      assert.equal((await store.findEntries(p, {}, 100)).length, 10);
      assert.equal(await store.nextObjectId(uniqueName('fresh')), 1);
    });

    it('refuses an entry whose id, key or upload is taken', async () => {
      const p = uniqueName('dup');
      await store.insertEntry(entry(p, 1));
      await assert.rejects(
        store.insertEntry(entry(p, 1, { key: 'other', uploadId: 'other' })),
        DuplicateKeyError,
      );
      await assert.rejects(
        store.insertEntry(entry(p, 2, { key: 'key-1', uploadId: 'u2' })),
        DuplicateKeyError,
      );
      await assert.rejects(store.insertEntry(entry(p, 3, { uploadId: `${p}-upload-1` })), DuplicateKeyError);
      assert.equal((await store.entryByUpload(`${p}-upload-1`))?.objectId, 1);
    });

    it('reads entries in batches, in the order asked, with dates and operations intact', async () => {
      const p = uniqueName('batch');
      await store.insertEntry(entry(p, 1, { otherData: { template: { measurement: 'temp' } } }));
      await store.insertEntry(entry(p, 2));
      const [two, missing, one] = await store.entries(p, [2, 99, 1]);
      assert.equal(two?.objectId, 2);
      assert.equal(missing, null);
      assert.deepEqual(one?.otherData, { template: { measurement: 'temp' } });
      assert.ok(one?.createdAt instanceof Date);
      assert.equal(one?.createdAt.toISOString(), '2026-01-01T00:00:00.000Z');
    });

    it('changes an entry only from the expected status, appending operations', async () => {
      const p = uniqueName('transition');
      await store.insertEntry(entry(p, 1, { status: 'PENDING', expiresAt: new Date() }));
      const op = { at: new Date(), operation: 'upload', runId: 'u1', message: 'stored' };
      const stored = await store.transition(p, 1, 'PENDING', {
        set: { status: 'STORED', expiresAt: null },
        succeeded: op,
      });
      assert.equal(stored?.status, 'STORED');
      assert.equal(stored?.successfulOperations.length, 1);
      assert.equal(stored?.successfulOperations[0]?.at instanceof Date, true);
      assert.equal(await store.transition(p, 1, 'PENDING', { set: { status: 'FAILED' } }), null);
      const failed = await store.transition(p, 1, 'STORED', { failed: { ...op, operation: 'pipeline' } });
      assert.deepEqual(
        [failed?.status, failed?.successfulOperations.length, failed?.failedOperations.length],
        ['STORED', 1, 1],
      );
    });

    it('finds entries newest first, a page at a time, by every filter', async () => {
      const p = uniqueName('find');
      for (let id = 1; id <= 6; id++) {
        await store.insertEntry(
          entry(p, id, {
            owner: id % 2 ? 'ana' : 'bo',
            contentType: id <= 3 ? 'text/csv' : 'image/png',
            status: id === 6 ? 'FAILED' : 'STORED',
            otherData: { template: { measurement: id <= 2 ? 'temp' : 'hum' }, n: id },
          }),
        );
      }
      const ids = (es: CatalogEntry[]) => es.map((e) => e.objectId);
      assert.deepEqual(ids(await store.findEntries(p, {}, 4)), [6, 5, 4, 3]);
      assert.deepEqual(ids(await store.findEntries(p, {}, 4, 3)), [2, 1]);
      assert.deepEqual(ids(await store.findEntries(p, { owner: 'bo' }, 10)), [6, 4, 2]);
      assert.deepEqual(
        ids(await store.findEntries(p, { contentType: 'image/png', status: 'STORED' }, 10)),
        [5, 4],
      );
      assert.deepEqual(
        ids(
          await store.findEntries(
            p,
            { createdFrom: new Date(Date.UTC(2026, 0, 2)), createdTo: new Date(Date.UTC(2026, 0, 4)) },
            10,
          ),
        ),
        [3, 2],
      );
      assert.deepEqual(
        ids(await store.findEntries(p, { otherData: [{ path: 'template.measurement', value: 'temp' }] }, 10)),
        [2, 1],
      );
      assert.deepEqual(ids(await store.findEntries(p, { otherData: [{ path: 'n', value: 5 }] }, 10)), [5]);
      assert.equal(await store.countEntries(p, ['STORED']), 5);
      assert.equal(await store.countEntries(p, ['STORED', 'FAILED']), 6);
    });

    it('takes user values literally: no operator reaches the query', async () => {
      const p = uniqueName('inject');
      await store.insertEntry(entry(p, 1, { owner: 'ana', otherData: { a: 'x' } }));
      assert.deepEqual(await store.findEntries(p, { owner: '{"$ne": ""}' }, 10), []);
      assert.deepEqual(
        await store.findEntries(p, { otherData: [{ path: 'a', value: '{"$gt": ""}' }] }, 10),
        [],
      );
      for (const path of ['$where', 'a.$ne', 'a..b', '', 'a b']) {
        await assert.rejects(
          store.findEntries(p, { otherData: [{ path, value: 'x' }] }, 10),
          (e: { extensions?: { code?: string } }) => e.extensions?.code === 'BAD_USER_INPUT',
          `path ${JSON.stringify(path)} refused`,
        );
      }
    });

    it('finds the first stored entry with a content hash, and which keys have entries', async () => {
      const p = uniqueName('sha');
      await store.insertEntry(entry(p, 1, { sha256: 'abc', status: 'FAILED' }));
      await store.insertEntry(entry(p, 2, { sha256: 'abc' }));
      await store.insertEntry(entry(p, 3, { sha256: 'abc' }));
      assert.equal((await store.entryBySha256(p, 'abc', 3))?.objectId, 2);
      assert.equal((await store.entryBySha256(p, 'abc', 2))?.objectId, 3);
      assert.equal(await store.entryBySha256(p, 'def', 0), null);
      assert.deepEqual([...(await store.keysWithEntries(p, ['key-1', 'key-9', 'key-3']))].sort(), [
        'key-1',
        'key-3',
      ]);
    });

    it('lists expired intents oldest first', async () => {
      const p = uniqueName('intents');
      const now = Date.now();
      await store.insertEntry(entry(p, 1, { status: 'PENDING', expiresAt: new Date(now - 1000) }));
      await store.insertEntry(entry(p, 2, { status: 'PENDING', expiresAt: new Date(now - 5000) }));
      await store.insertEntry(entry(p, 3, { status: 'PENDING', expiresAt: new Date(now + 60_000) }));
      const expired = (await store.expiredIntents(new Date(now), 100)).filter((e) => e.project === p);
      assert.deepEqual(
        expired.map((e) => e.objectId),
        [2, 1],
      );
    });

    it('reserves an idempotency key once, completes it and releases it', async () => {
      const p = uniqueName('idem');
      const record = { project: p, key: 'k1', objectId: null, fingerprint: null, createdAt: new Date() };
      await store.insertIdempotency(record);
      await assert.rejects(store.insertIdempotency(record), DuplicateKeyError);
      await store.updateIdempotency(p, 'k1', { objectId: 7 });
      await store.updateIdempotency(p, 'k1', { fingerprint: 'sha256:abc' });
      const found = await store.idempotency(p, 'k1');
      assert.deepEqual([found?.objectId, found?.fingerprint], [7, 'sha256:abc']);
      await store.removeIdempotency(p, 'k1');
      assert.equal(await store.idempotency(p, 'k1'), null);
      await store.insertIdempotency(record);
    });

    it('numbers events per project without gaps or repeats, and replays them after a sequence', async () => {
      const p = uniqueName('events');
      const base = {
        project: p,
        objectId: 1,
        at: new Date(),
        bytes: null,
        totalBytes: null,
        message: null,
        code: null,
        runId: null,
        step: null,
      };
      const batches = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          store.append([
            { ...base, type: 'STARTED', uploadId: `u${i % 3}` },
            { ...base, type: 'STORED', uploadId: `u${(i + 1) % 3}` },
          ]),
        ),
      );
      for (const [first, second] of batches)
        assert.ok(first!.sequence < second!.sequence, 'a batch keeps its order');
      const events = batches.flat();
      assert.deepEqual(
        events.map((e) => e.sequence).sort((a, b) => a - b),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      const replay = await store.after(p, 4, null, 100);
      assert.deepEqual(
        replay.map((e) => e.sequence),
        [5, 6, 7, 8, 9, 10, 11, 12],
      );
      assert.ok(replay[0]!.at instanceof Date);
      const one = await store.after(p, 0, 'u1', 100);
      assert.ok(one.length === 4 && one.every((e) => e.uploadId === 'u1'));
      assert.equal((await store.after(p, 0, null, 3)).length, 3);
      assert.equal(
        (await store.append([{ ...base, project: uniqueName('other'), type: 'STARTED', uploadId: 'x' }]))[0]!
          .sequence,
        1,
      );
    });
  });
}

describe('embedded catalog journal', () => {
  it('survives a restart, events and their numbering too, and a line torn by a crash is skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lakegate-journal-'));
    const first = new EmbeddedCatalog(dir);
    await first.init();
    await first.createProject({ name: 'kept', createdAt: new Date(), profile: DEFAULT_PROFILE });
    await first.insertEntry(entry('kept', await first.nextObjectId('kept')));
    const event = {
      project: 'kept',
      type: 'STARTED',
      uploadId: 'u',
      objectId: 1,
      at: new Date(),
      ...{ bytes: null, totalBytes: null, message: null, code: null, runId: null, step: null },
    } as const;
    await first.append([event, event, event]);
    await first.close();
    await appendFile(join(dir, 'catalog.jsonl'), '{"t":"project","v":{"name":"torn"');

    const second = new EmbeddedCatalog(dir);
    await second.init();
    assert.deepEqual(
      (await second.listProjects()).map((p) => p.name),
      ['kept'],
    );
    assert.equal((await second.entries('kept', [1]))[0]?.originalName, 'file-1.csv');
    assert.equal(await second.nextObjectId('kept'), 2);
    assert.deepEqual(
      (await second.after('kept', 0, null, 10)).map((e) => e.sequence),
      [1, 2, 3],
    );
    assert.equal((await second.append([event]))[0]?.sequence, 4);
    await second.close();
  });
});
