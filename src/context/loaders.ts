import DataLoader from 'dataloader';
import { type Catalog, type CatalogEntry, type ProjectRecord } from '../datasources/catalog/catalog.js';
import { type RunStore } from '../datasources/catalog/runs.js';
import { createPipelineLoaders, type PipelineLoaders } from './pipeline.loaders.js';

export interface EntryRef {
  project: string;
  objectId: number;
}

export interface Loaders extends PipelineLoaders {
  entry: DataLoader<EntryRef, CatalogEntry | null, string>;
  project: DataLoader<string, ProjectRecord | null>;
}

/** Per request (per event for subscriptions): batches every catalog read of one tick into one query per project. */
export function createLoaders(catalog: Catalog & RunStore): Loaders {
  return {
    ...createPipelineLoaders(catalog),
    entry: new DataLoader(
      async (refs) => {
        const byProject = new Map<string, number[]>();
        for (const r of refs) byProject.set(r.project, [...(byProject.get(r.project) ?? []), r.objectId]);
        const found = new Map<string, CatalogEntry | null>();
        await Promise.all(
          [...byProject].map(async ([project, ids]) => {
            const entries = await catalog.entries(project, ids);
            ids.forEach((id, i) => found.set(`${project}/${id}`, entries[i] ?? null));
          }),
        );
        return refs.map((r) => found.get(`${r.project}/${r.objectId}`) ?? null);
      },
      { cacheKeyFn: (r) => `${r.project}/${r.objectId}` },
    ),
    project: new DataLoader((names) => catalog.projects(names)),
  };
}
