import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Resolver, Root, Subscription } from 'type-graphql';
import { type Context } from '../context/context.js';
import { type CatalogEntry, type IngestionEventRecord } from '../datasources/catalog/catalog.js';
import { DataObject } from '../schema/data-object.type.js';
import { IngestionEvent } from '../schema/ingestion-event.type.js';

interface EventArgs {
  project: string;
  uploadId?: string | null;
  after?: number | null;
}

@Resolver(() => IngestionEvent)
export class IngestionEventResolver {
  @Authorized('viewer')
  @Subscription(() => IngestionEvent, {
    description:
      'Progress of uploads into a project, optionally of one upload. With `after`, events since that sequence number are replayed first, so a reconnecting client misses nothing.',
    subscribe: async ({ args, context }) => {
      const { project, uploadId, after } = args as EventArgs;
      const ctx = context as Context;
      await ctx.services.projects.get(project);
      return ctx.services.feed.watch(project, after ?? null, uploadId ?? null);
    },
  })
  ingestionEvents(
    @Root() event: IngestionEventRecord,
    @Arg('project', () => String) _project: string,
    @Arg('uploadId', () => ID, { nullable: true }) _uploadId: string | null,
    @Arg('after', () => Int, { nullable: true }) _after: number | null,
  ): IngestionEventRecord {
    // Through Redis the date arrives as a string.
    return { ...event, at: new Date(event.at) };
  }

  @FieldResolver(() => DataObject, { nullable: true, description: 'The object as it is now.' })
  object(@Root() event: IngestionEventRecord, @Ctx() ctx: Context): Promise<CatalogEntry | null> {
    // A subscription's context lives long: read fresh, never from what an earlier event cached.
    const ref = { project: event.project, objectId: event.objectId };
    return ctx.loaders.entry.clear(ref).load(ref);
  }
}
