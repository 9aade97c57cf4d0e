import DataLoader from 'dataloader';
import { type DerivedTableRecord, type TableStore } from '../datasources/cassandra/table.store.js';
import { SourceNotConfiguredError } from '../errors/errors.js';
import { type EntryRef } from './loaders.js';

export type DerivedTablesLoader = DataLoader<EntryRef, DerivedTableRecord[], string>;

/** The tables each object fed: one lineage query per project for every object asked about in one tick. */
export function createDerivedTablesLoader(tables: TableStore | null): DerivedTablesLoader {
  return new DataLoader(
    async (refs) => {
      if (!tables) throw new SourceNotConfiguredError('tables');
      const byProject = new Map<string, number[]>();
      for (const r of refs) byProject.set(r.project, [...(byProject.get(r.project) ?? []), r.objectId]);
      const found = new Map<string, DerivedTableRecord[]>();
      await Promise.all(
        [...byProject].map(async ([project, ids]) => {
          for (const record of await tables.derivedTables(project, ids)) {
            const key = `${project}/${record.objectId}`;
            found.set(key, [...(found.get(key) ?? []), record]);
          }
        }),
      );
      return refs.map((r) => found.get(`${r.project}/${r.objectId}`) ?? []);
    },
    { cacheKeyFn: (r) => `${r.project}/${r.objectId}` },
  );
}
