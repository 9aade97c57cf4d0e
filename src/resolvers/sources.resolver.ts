import { Authorized, Ctx, Query, Resolver, Root, Subscription } from 'type-graphql';
import { type Context } from '../context/context.js';
import { type SourceStatus } from '../datasources/health.js';
import { Source } from '../schema/source.type.js';

@Resolver(() => Source)
export class SourcesResolver {
  @Authorized()
  @Query(() => [Source], { description: 'Every store the lake can use, with its live status.' })
  sources(@Ctx() ctx: Context): Promise<SourceStatus[]> {
    return ctx.services.checkSources();
  }

  @Authorized()
  @Subscription(() => [Source], {
    name: 'sources',
    description: 'The status of every store now, then again each time one goes up or down.',
    subscribe: ({ context }) => (context as Context).services.sourceMonitor.watch(),
  })
  sourcesChanged(@Root() statuses: SourceStatus[]): SourceStatus[] {
    return statuses;
  }
}
