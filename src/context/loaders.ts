import DataLoader from 'dataloader';
import { type CatalogEntry, type ProjectRecord } from '../datasources/catalog/catalog.js';
import { createGraphLoaders, type GraphLoaders } from './graph.loaders.js';
import { createPipelineLoaders, type PipelineLoaders } from './pipeline.loaders.js';
import { createDerivedTablesLoader, type DerivedTablesLoader } from './cassandra.loaders.js';
import { type Services } from './services.js';
import { type SeriesSummary } from '../datasources/influx/timeseries.store.js';
import { createSeriesLoader } from './timeseries.loaders.js';

export interface EntryRef {
  project: string;
  objectId: number;
}

export interface Loaders extends PipelineLoaders {
  entry: DataLoader<EntryRef, CatalogEntry | null, string>;
  project: DataLoader<string, ProjectRecord | null>;
  graph: GraphLoaders;
  derivedTables: DerivedTablesLoader;
  /** Time series summaries of an object (InfluxDB). */
  seriesOfObject: DataLoader<EntryRef, SeriesSummary[], string>;
}

/** Per request (per event for subscriptions): batches every store read of one tick into one query per project. */
export function createLoaders(services: Services): Loaders {
  const { catalog } = services;
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
    graph: createGraphLoaders(services.graph),
    derivedTables: createDerivedTablesLoader(services.tables),
    seriesOfObject: createSeriesLoader(services.timeseries),
  };
}
