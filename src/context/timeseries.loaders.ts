import DataLoader from 'dataloader';
import { type SeriesSummary, type TimeSeriesStore } from '../datasources/influx/timeseries.store.js';
import { SourceNotConfiguredError } from '../errors/errors.js';
import { type EntryRef } from './loaders.js';

/** Series summaries of objects: a page of objects costs one InfluxQL request per project. */
export function createSeriesLoader(
  store: TimeSeriesStore | null,
): DataLoader<EntryRef, SeriesSummary[], string> {
  return new DataLoader<EntryRef, SeriesSummary[], string>(
    async (refs) => {
      if (!store) throw new SourceNotConfiguredError('timeseries');
      const byProject = new Map<string, number[]>();
      for (const r of refs) byProject.set(r.project, [...(byProject.get(r.project) ?? []), r.objectId]);
      const found = new Map<string, SeriesSummary[]>();
      await Promise.all(
        [...byProject].map(async ([project, ids]) => {
          const summaries = await store.summaries(project, ids);
          ids.forEach((id, i) => found.set(`${project}/${id}`, summaries[i] ?? []));
        }),
      );
      return refs.map((r) => found.get(`${r.project}/${r.objectId}`) ?? []);
    },
    { cacheKeyFn: (r) => `${r.project}/${r.objectId}` },
  );
}
