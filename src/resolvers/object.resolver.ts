import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { type Context } from '../context/context.js';
import { type CatalogEntry, type EntryFilter, type Scalar } from '../datasources/catalog/catalog.js';
import { BadInputError, NotFoundError } from '../errors/errors.js';
import { DataObject, DataObjectConnection, ObjectFilter, ObjectPreview } from '../schema/data-object.type.js';

const MAX_PAGE = 100;
const MAX_PREVIEW = 64 * 1024;
// Short-lived on purpose: a download URL is a bearer credential for one object, outside any token.
const MAX_URL_SECONDS = 3600;

const encodeCursor = (objectId: number) => Buffer.from(`object:${objectId}`).toString('base64url');

function decodeCursor(cursor: string): number {
  const match = /^object:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new BadInputError('after is not a cursor this API gave out', { argument: 'after' });
  return Number(match[1]);
}

function isScalar(v: unknown): v is Scalar {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function toEntryFilter(filter: ObjectFilter | null): EntryFilter {
  if (!filter) return {};
  for (const c of filter.otherData ?? []) {
    if (!isScalar(c.value)) {
      throw new BadInputError('otherData filters compare with a string, number, boolean or null', {
        argument: 'filter.otherData.value',
      });
    }
  }
  return { ...filter, otherData: filter.otherData?.map((c) => ({ path: c.path, value: c.value as Scalar })) };
}

const readable = (e: CatalogEntry) => e.status === 'STORED' || e.status === 'QUARANTINED';

@Resolver(() => DataObject)
export class DataObjectResolver {
  @Authorized('viewer')
  @Query(() => DataObjectConnection, {
    description: 'Objects of a project, newest first, `first` at a time (at most 100).',
  })
  async objects(
    @Arg('project', () => String) project: string,
    @Arg('filter', () => ObjectFilter, { nullable: true }) filter: ObjectFilter | null,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ): Promise<DataObjectConnection> {
    if (first < 1 || first > MAX_PAGE)
      throw new BadInputError(`first must be 1 to ${MAX_PAGE}`, { argument: 'first' });
    const before = after == null ? undefined : decodeCursor(after);
    // Both at once: a project that does not exist has no entries either, so the answer is the same.
    const [known, found] = await Promise.all([
      ctx.loaders.project.load(project),
      ctx.services.catalog.findEntries(project, toEntryFilter(filter), first + 1, before),
    ]);
    if (!known) throw new NotFoundError(`no project ${project}`);
    const page = found.slice(0, first);
    for (const e of page) ctx.loaders.entry.prime({ project, objectId: e.objectId }, e);
    const edges = page.map((node) => ({ cursor: encodeCursor(node.objectId), node }));
    return {
      edges,
      nodes: page,
      pageInfo: { hasNextPage: found.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  @Authorized('viewer')
  @Query(() => DataObject, { nullable: true })
  object(
    @Arg('project', () => String) project: string,
    @Arg('objectId', () => Int) objectId: number,
    @Ctx() ctx: Context,
  ): Promise<CatalogEntry | null> {
    return ctx.loaders.entry.load({ project, objectId });
  }

  @FieldResolver(() => DataObject, {
    nullable: true,
    description: 'The first object of the project with the same content.',
  })
  duplicateOf(@Root() entry: CatalogEntry, @Ctx() ctx: Context): Promise<CatalogEntry | null> | null {
    return entry.duplicateOf === null
      ? null
      : ctx.loaders.entry.load({ project: entry.project, objectId: entry.duplicateOf });
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'A presigned GET URL, valid `expiresIn` seconds (at most an hour); null unless the object is stored.',
  })
  async downloadUrl(
    @Root() entry: CatalogEntry,
    @Arg('expiresIn', () => Int, { defaultValue: 300 }) expiresIn: number,
    @Ctx() ctx: Context,
  ): Promise<string | null> {
    if (expiresIn < 1 || expiresIn > MAX_URL_SECONDS) {
      throw new BadInputError(`expiresIn must be 1 to ${MAX_URL_SECONDS} seconds`, { argument: 'expiresIn' });
    }
    if (!readable(entry)) return null;
    return (await ctx.services.raw.presignGet(entry.project, entry.key, expiresIn, entry.originalName)).url;
  }

  @FieldResolver(() => ObjectPreview, {
    nullable: true,
    description: 'The first `bytes` bytes (at most 64 KiB); null unless stored.',
  })
  async preview(
    @Root() entry: CatalogEntry,
    @Arg('bytes', () => Int, { defaultValue: 1024 }) bytes: number,
    @Ctx() ctx: Context,
  ): Promise<ObjectPreview | null> {
    if (bytes < 1 || bytes > MAX_PREVIEW)
      throw new BadInputError(`bytes must be 1 to ${MAX_PREVIEW}`, { argument: 'bytes' });
    if (!readable(entry) || entry.size === null) return null;
    const end = Math.min(bytes, entry.size) - 1;
    const chunks: Buffer[] = [];
    if (end >= 0) {
      for await (const chunk of await ctx.services.raw.get(entry.project, entry.key, { start: 0, end })) {
        chunks.push(chunk as Buffer);
      }
    }
    const data = Buffer.concat(chunks);
    let text: string | null;
    try {
      // stream mode: a character cut by the preview's end is left out instead of failing the decode
      text = new TextDecoder('utf-8', { fatal: true }).decode(data, { stream: true });
    } catch {
      text = null;
    }
    return { bytes: data.length, base64: data.toString('base64'), text, truncated: entry.size > data.length };
  }
}
