import DataLoader from 'dataloader';
import { type RunRecord, type RunStore } from '../datasources/catalog/runs.js';
import { type EntryRef } from './loaders.js';

export interface PipelineLoaders {
  run: DataLoader<string, RunRecord | null>;
  /** Every run of an object, newest first: one catalog query per project for a whole page. */
  runsOfEntry: DataLoader<EntryRef, RunRecord[], string>;
}

export function createPipelineLoaders(runs: RunStore): PipelineLoaders {
  const run = new DataLoader<string, RunRecord | null>((ids) => runs.runs(ids));
  return {
    run,
    runsOfEntry: new DataLoader(
      async (refs) => {
        const byProject = new Map<string, number[]>();
        for (const r of refs) byProject.set(r.project, [...(byProject.get(r.project) ?? []), r.objectId]);
        const found = (
          await Promise.all([...byProject].map(([project, ids]) => runs.runsOfEntries(project, ids)))
        ).flat();
        // Lineage fields ask for runs by id a level later: they are known now.
        for (const r of found) run.prime(r.runId, r);
        return refs.map((r) =>
          found.filter((run) => run.project === r.project && run.objectId === r.objectId),
        );
      },
      { cacheKeyFn: (r) => `${r.project}/${r.objectId}` },
    ),
  };
}
