import DataLoader from 'dataloader';
import {
  type GraphImage,
  type GraphStore,
  type SimilarImage,
  type ThingSummary,
} from '../datasources/neo4j/graph.store.js';
import { SourceNotConfiguredError } from '../errors/errors.js';
import { type EntryRef } from './loaders.js';

export interface SimilarRef extends EntryRef {
  limit: number;
}

export interface ThingRef {
  project: string;
  name: string;
}

export interface ThingImagesRef extends ThingRef {
  first: number;
}

/** Graph reads of one request: each loader answers a tick's keys with one Cypher query per project. */
export interface GraphLoaders {
  image: DataLoader<EntryRef, GraphImage | null, string>;
  similar: DataLoader<SimilarRef, SimilarImage[], string>;
  thing: DataLoader<ThingRef, ThingSummary | null, string>;
  thingImages: DataLoader<ThingImagesRef, GraphImage[], string>;
}

const key = (...parts: unknown[]) => JSON.stringify(parts);

/**
 * A loader whose keys are grouped (by project, and by the field's argument): one store call per group,
 * with the group's distinct items, answered in the same order.
 */
function groupedLoader<K, I, V>(
  cacheKey: (k: K) => string,
  groupOf: (k: K) => string,
  itemOf: (k: K) => I,
  fetch: (sample: K, items: I[]) => Promise<V[]>,
): DataLoader<K, V, string> {
  return new DataLoader<K, V, string>(
    async (keys) => {
      const groups = new Map<string, { sample: K; items: Map<string, I> }>();
      for (const k of keys) {
        const g = groups.get(groupOf(k)) ?? { sample: k, items: new Map<string, I>() };
        g.items.set(cacheKey(k), itemOf(k));
        groups.set(groupOf(k), g);
      }
      const found = new Map<string, V>();
      await Promise.all(
        [...groups.values()].map(async ({ sample, items }) => {
          const values = await fetch(sample, [...items.values()]);
          [...items.keys()].forEach((k, i) => found.set(k, values[i]!));
        }),
      );
      return keys.map((k) => found.get(cacheKey(k))!);
    },
    { cacheKeyFn: cacheKey },
  );
}

export function createGraphLoaders(store: GraphStore | null): GraphLoaders {
  const graph = (): GraphStore => {
    if (!store) throw new SourceNotConfiguredError('graph');
    return store;
  };
  const image = groupedLoader<EntryRef, number, GraphImage | null>(
    (r) => key(r.project, r.objectId),
    (r) => key(r.project),
    (r) => r.objectId,
    (r, ids) => graph().images(r.project, ids),
  );
  const primeImages = (images: GraphImage[][]) => {
    for (const i of images.flat()) image.prime({ project: i.project, objectId: i.objectId }, i);
    return images;
  };
  return {
    image,
    similar: groupedLoader<SimilarRef, number, SimilarImage[]>(
      (r) => key(r.project, r.objectId, r.limit),
      (r) => key(r.project, r.limit),
      (r) => r.objectId,
      (r, ids) => graph().similarImages(r.project, ids, r.limit),
    ),
    thing: groupedLoader<ThingRef, string, ThingSummary | null>(
      (r) => key(r.project, r.name),
      (r) => key(r.project),
      (r) => r.name,
      (r, names) => graph().things(r.project, names),
    ),
    thingImages: groupedLoader<ThingImagesRef, string, GraphImage[]>(
      (r) => key(r.project, r.name, r.first),
      (r) => key(r.project, r.first),
      (r) => r.name,
      async (r, names) => primeImages(await graph().imagesOfThing(r.project, names, r.first)),
    ),
  };
}
