import { Arg, Authorized, Ctx, FieldResolver, Query, Resolver, Root, Subscription } from 'type-graphql';
import { type Context } from '../context/context.js';
import { type Aggregate as AggregateName, identifier } from '../datasources/influx/influxql.js';
import {
  type SeriesSummary as StoredSummary,
  type StoredSeries,
  type TimeSeriesStore,
} from '../datasources/influx/timeseries.store.js';
import { BadInputError, NotFoundError, SourceNotConfiguredError } from '../errors/errors.js';
import { DerivedData } from '../schema/lineage.type.js';
import {
  Aggregate,
  SeriesSummary,
  TagFilter,
  TimePointEvent,
  TimeSeries,
} from '../schema/timeseries.type.js';
import { type TimePointsMessage, timeSeriesTopic } from '../subscriptions/timeseries-topic.js';

/** Most points one timeSeries query returns, all series together. */
export const MAX_POINTS = 10_000;

function storeOf(ctx: Context): TimeSeriesStore {
  if (!ctx.services.timeseries) throw new SourceNotConfiguredError('timeseries');
  return ctx.services.timeseries;
}

@Resolver(() => TimeSeries)
export class TimeSeriesResolver {
  @Authorized('viewer')
  @Query(() => [TimeSeries], {
    description: `Points of one measurement of a project in [from, to). Raw, each series is one object's run and tag set. With \`aggregate\`, one value per field over the range, or per \`every\` window (e.g. 1m, 1h; empty windows left out); \`groupBy\` then names the tags to keep, aggregating across the others (objects and runs included). At most ${MAX_POINTS} points in all: a query that would return more fails with BAD_USER_INPUT; use \`every\`.`,
  })
  async timeSeries(
    @Arg('project', () => String) project: string,
    @Arg('measurement', () => String) measurement: string,
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date, { description: 'Exclusive.' }) to: Date,
    @Arg('tags', () => [TagFilter], { nullable: true }) tags: TagFilter[] | null,
    @Arg('every', () => String, { nullable: true, description: 'Window length: ^\\d+(ns|u|ms|s|m|h|d|w)$.' })
    every: string | null,
    @Arg('aggregate', () => Aggregate, { nullable: true, description: 'Required with every.' })
    aggregate: AggregateName | null,
    @Arg('groupBy', () => [String], {
      nullable: true,
      description: 'With aggregate: the tags whose values keep series apart. Default: every tag.',
    })
    groupBy: string[] | null,
    @Ctx() ctx: Context,
  ): Promise<StoredSeries[]> {
    const store = storeOf(ctx);
    if (!(await ctx.loaders.project.load(project))) throw new NotFoundError(`no project ${project}`);
    const result = await store.query({
      project,
      measurement,
      from,
      to,
      tags: tags ?? [],
      // an argument left out arrives as undefined
      every: every ?? null,
      aggregate: aggregate ?? null,
      groupBy: groupBy ?? null,
      maxPoints: MAX_POINTS,
    });
    if (!result.complete) {
      throw new BadInputError(
        `the query matches more than ${MAX_POINTS} points: aggregate them with every (or narrow from and to)`,
        { argument: 'every', maxPoints: MAX_POINTS },
      );
    }
    return result.series;
  }

  @Authorized('viewer')
  @Subscription(() => TimePointEvent, {
    description: 'Points of a measurement as pipeline runs write them, a write batch per event.',
    subscribe: async ({ args, context }) => {
      const { project, measurement } = args as { project: string; measurement: string };
      const ctx = context as Context;
      storeOf(ctx);
      identifier(measurement, 'measurement');
      await ctx.services.projects.get(project);
      const events = ctx.services.pubSub.subscribe(timeSeriesTopic(project, measurement));
      await (events as { ready?: Promise<unknown> }).ready;
      return events;
    },
  })
  timeSeriesPoints(
    @Root() message: TimePointsMessage,
    @Arg('project', () => String) _project: string,
    @Arg('measurement', () => String) _measurement: string,
  ): TimePointEvent {
    // Through Redis the times arrive as strings; in memory too, by construction.
    return { ...message, points: message.points.map((p) => ({ ...p, time: new Date(p.time) })) };
  }
}

@Resolver(() => DerivedData)
export class DerivedSeriesResolver {
  @FieldResolver(() => [SeriesSummary], {
    nullable: true,
    description:
      'Its time series: one entry per measurement and run, with the number of points and their time range. Null, with an error, when the store is down: the rest of the answer still arrives.',
  })
  series(@Root() derived: DerivedData, @Ctx() ctx: Context): Promise<StoredSummary[]> {
    return ctx.loaders.seriesOfObject.load({ project: derived.project, objectId: derived.objectId });
  }
}
