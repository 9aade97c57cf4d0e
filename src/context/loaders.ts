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

function entryLoader(catalog: Services['catalog']): Loaders['entry'] {
  return new DataLoader(
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
  );
}

/** Each loader is made when a resolver first asks for it: an operation uses a few of them at most. */
class RequestLoaders implements Loaders {
  #entry?: Loaders['entry'];
  #project?: Loaders['project'];
  #pipeline?: PipelineLoaders;
  #graph?: GraphLoaders;
  #derivedTables?: DerivedTablesLoader;
  #seriesOfObject?: Loaders['seriesOfObject'];

  constructor(private readonly services: Services) {}

  get entry(): Loaders['entry'] {
    return (this.#entry ??= entryLoader(this.services.catalog));
  }
  get project(): Loaders['project'] {
    return (this.#project ??= new DataLoader((names) => this.services.catalog.projects(names)));
  }
  get run(): PipelineLoaders['run'] {
    return (this.#pipeline ??= createPipelineLoaders(this.services.catalog)).run;
  }
  get runsOfEntry(): PipelineLoaders['runsOfEntry'] {
    return (this.#pipeline ??= createPipelineLoaders(this.services.catalog)).runsOfEntry;
  }
  get graph(): GraphLoaders {
    return (this.#graph ??= createGraphLoaders(this.services.graph));
  }
  get derivedTables(): DerivedTablesLoader {
    return (this.#derivedTables ??= createDerivedTablesLoader(this.services.tables));
  }
  get seriesOfObject(): Loaders['seriesOfObject'] {
    return (this.#seriesOfObject ??= createSeriesLoader(this.services.timeseries));
  }
}

/** Per request (per event for subscriptions): batches every store read of one tick into one query per project. */
export function createLoaders(services: Services): Loaders {
  return new RequestLoaders(services);
}
