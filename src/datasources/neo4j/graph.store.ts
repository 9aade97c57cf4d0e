import neo4j, { type EagerResult, type RecordShape } from 'neo4j-driver';
import { guard } from '../guard.js';
import { type Neo4jConnection } from './neo4j.connection.js';
import * as cypher from './graph.cypher.js';

export type ThingRole = 'main' | 'secondary';
export type ImageFormat = 'jpeg' | 'png';

export interface ImageThing {
  name: string;
  role: ThingRole;
}

/** One image node and the things it contains, keyed by (project, objectId). */
export interface GraphImage {
  project: string;
  objectId: number;
  runId: string;
  format: ImageFormat;
  /** One entry per name (main first, then by name). */
  things: ImageThing[];
}

export interface SimilarImage {
  project: string;
  objectId: number;
  score: number;
  sharedThings: string[];
}

export interface ThingSummary {
  project: string;
  name: string;
  imageCount: number;
}

export interface MergeOptions {
  /** Images per transaction; the store's default when absent. */
  batchSize?: number;
  /** Checked between batches: the batches written so far stay. */
  signal?: AbortSignal;
  onBatch?(imagesWritten: number): void;
}

export interface MergeResult {
  images: number;
  /** Nodes and relationships merged: per image, its node, its thing nodes and its CONTAINS relationships. */
  written: number;
  nodesCreated: number;
  relationshipsCreated: number;
  relationshipsDeleted: number;
}

/**
 * Weight of a role in the similarity score. Two images score, for each thing they share, the product of
 * the weights of its role in each (main–main 4, main–secondary 2, secondary–secondary 1), summed.
 */
export const ROLE_WEIGHT: Readonly<Record<ThingRole, number>> = { main: 2, secondary: 1 };

/** The graph zone: images and the things they contain. Every read and write is scoped to one project. */
export interface GraphStore {
  /** Idempotent: an image written again ends with exactly the things of its last write. */
  mergeImages(images: readonly GraphImage[], options?: MergeOptions): Promise<MergeResult>;
  /** In the order asked, null for objects without an image node. */
  images(project: string, objectIds: readonly number[]): Promise<(GraphImage | null)[]>;
  /**
   * Per object, the `limit` images sharing most with it: by score (see ROLE_WEIGHT), then by the number of
   * shared things, then by objectId. Empty for an unknown object.
   */
  similarImages(project: string, objectIds: readonly number[], limit: number): Promise<SimilarImage[][]>;
  /** In the order asked, null for a name no image of the project contains. */
  things(project: string, names: readonly string[]): Promise<(ThingSummary | null)[]>;
  /** Per name, the first `limit` images containing it, by objectId. */
  imagesOfThing(project: string, names: readonly string[], limit: number): Promise<GraphImage[][]>;
}

export interface GraphStoreOptions {
  readTimeoutMs: number;
  writeTimeoutMs: number;
  batchSize?: number;
}

const ints = (ids: readonly number[]) => ids.map((id) => neo4j.int(id));
const toNumber = (v: unknown): number => (neo4j.isInt(v) ? v.toNumber() : Number(v));
const byRoleThenName = (a: ImageThing, b: ImageThing) =>
  ROLE_WEIGHT[b.role] - ROLE_WEIGHT[a.role] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function toImage(project: string, r: Record<string, unknown>): GraphImage {
  return {
    project,
    objectId: toNumber(r['objectId']),
    runId: String(r['runId']),
    format: r['format'] as ImageFormat,
    things: (r['things'] as ImageThing[]).map((t) => ({ name: t.name, role: t.role })).sort(byRoleThenName),
  };
}

export class Neo4jGraphStore implements GraphStore {
  private schema: Promise<void> | null = null;
  private readonly batchSize: number;
  /** Cypher statements sent so far (the round trips the loaders are meant to keep down). */
  queries = 0;

  constructor(
    private readonly connection: Neo4jConnection,
    private readonly options: GraphStoreOptions,
  ) {
    this.batchSize = options.batchSize ?? 1000;
  }

  async mergeImages(images: readonly GraphImage[], options: MergeOptions = {}): Promise<MergeResult> {
    const size = options.batchSize ?? this.batchSize;
    if (!Number.isInteger(size) || size < 1) throw new RangeError('batchSize must be a positive integer');
    await this.ensureSchema();
    const total: MergeResult = {
      images: 0,
      written: 0,
      nodesCreated: 0,
      relationshipsCreated: 0,
      relationshipsDeleted: 0,
    };
    for (let start = 0; start < images.length; start += size) {
      options.signal?.throwIfAborted();
      const batch = images.slice(start, start + size);
      const params = batch.map((i) => ({ ...i, objectId: neo4j.int(i.objectId) }));
      const { summary } = await this.run(cypher.MERGE_IMAGES, { images: params }, 'WRITE');
      const c = summary.counters.updates();
      total.images += batch.length;
      total.written += batch.reduce((n, i) => n + 1 + 2 * i.things.length, 0);
      total.nodesCreated += c.nodesCreated;
      total.relationshipsCreated += c.relationshipsCreated;
      total.relationshipsDeleted += c.relationshipsDeleted;
      options.onBatch?.(total.images);
    }
    return total;
  }

  async images(project: string, objectIds: readonly number[]): Promise<(GraphImage | null)[]> {
    const { records } = await this.run(cypher.IMAGES, { project, objectIds: ints(objectIds) });
    const found = new Map(records.map((r) => [toNumber(r.get('objectId')), toImage(project, r.toObject())]));
    return objectIds.map((id) => found.get(id) ?? null);
  }

  async similarImages(
    project: string,
    objectIds: readonly number[],
    limit: number,
  ): Promise<SimilarImage[][]> {
    const { records } = await this.run(cypher.SIMILAR_IMAGES, {
      project,
      objectIds: ints(objectIds),
      limit: neo4j.int(limit),
      weights: ROLE_WEIGHT,
    });
    const found = new Map(
      records.map((r) => [
        toNumber(r.get('objectId')),
        (r.get('similar') as Record<string, unknown>[]).map((s) => ({
          project,
          objectId: toNumber(s['objectId']),
          score: toNumber(s['score']),
          sharedThings: (s['sharedThings'] as string[]).sort(),
        })),
      ]),
    );
    return objectIds.map((id) => found.get(id) ?? []);
  }

  async things(project: string, names: readonly string[]): Promise<(ThingSummary | null)[]> {
    const { records } = await this.run(cypher.THINGS, { project, names });
    const found = new Map(records.map((r) => [r.get('name') as string, toNumber(r.get('imageCount'))]));
    return names.map((name) => {
      const imageCount = found.get(name);
      return imageCount === undefined ? null : { project, name, imageCount };
    });
  }

  async imagesOfThing(project: string, names: readonly string[], limit: number): Promise<GraphImage[][]> {
    const { records } = await this.run(cypher.IMAGES_OF_THING, { project, names, limit: neo4j.int(limit) });
    const found = new Map<string, GraphImage[]>();
    for (const r of records) {
      const name = r.get('name') as string;
      found.set(name, [...(found.get(name) ?? []), toImage(project, r.toObject())]);
    }
    return names.map((name) => found.get(name) ?? []);
  }

  /** The uniqueness constraints MERGE relies on (and looks up through); made once per process. */
  private ensureSchema(): Promise<void> {
    this.schema ??= (async () => {
      for (const statement of cypher.SCHEMA) await this.run(statement, {}, 'WRITE');
    })().catch((error: unknown) => {
      this.schema = null;
      throw error;
    });
    return this.schema;
  }

  private run(
    query: string,
    params: Record<string, unknown>,
    routing: 'READ' | 'WRITE' = 'READ',
  ): Promise<EagerResult<RecordShape>> {
    const timeout = routing === 'READ' ? this.options.readTimeoutMs : this.options.writeTimeoutMs;
    this.queries++;
    return guard(this.connection.name, timeout, () =>
      this.connection.driver.executeQuery(query, params, {
        routing,
        // the server ends the transaction too, not only our wait for it
        transactionConfig: { timeout },
      }),
    );
  }
}
