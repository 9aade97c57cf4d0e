import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { type Aggregate as AggregateName } from '../datasources/influx/influxql.js';
import { Lineage } from './lineage.type.js';
import { JSONScalar, SafeInt } from './scalars.js';

export const Aggregate = {
  MEAN: 'MEAN',
  SUM: 'SUM',
  MIN: 'MIN',
  MAX: 'MAX',
  COUNT: 'COUNT',
  FIRST: 'FIRST',
  LAST: 'LAST',
} as const satisfies Record<AggregateName, AggregateName>;
registerEnumType(Aggregate, {
  name: 'Aggregate',
  description: 'How the points of a window (or of the whole range) become one value per field.',
  valuesConfig: {
    FIRST: { description: 'The earliest value of the window.' },
    LAST: { description: 'The latest value of the window.' },
    COUNT: { description: 'How many points have the field.' },
  },
});

@InputType({ description: 'Only points whose tag `name` has exactly `value`.' })
export class TagFilter {
  @Field(() => String, { description: 'A tag name: letters, digits, _ . - (object_id and run_id work too).' })
  name!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType({ simpleResolvers: true, description: 'One point of a series: its time and a value per column.' })
export class TimePoint {
  @Field(() => Date, { description: 'The point time; with `every`, the start of its window.' })
  time!: Date;

  @Field(() => JSONScalar, { description: 'Column name to number (null when the point lacks the field).' })
  values!: Record<string, number | null>;
}

@ObjectType({
  simpleResolvers: true,
  description: 'Points of one measurement sharing one set of tags, oldest first.',
})
export class TimeSeries {
  @Field(() => String)
  measurement!: string;

  @Field(() => JSONScalar, {
    description:
      'Tag name to value, without the lineage tags project, object_id and run_id (see source). With groupBy, only those tags.',
  })
  tags!: Record<string, string>;

  @Field(() => [String], { description: 'The field names, in the order of the values.' })
  columns!: string[];

  @Field(() => [TimePoint])
  points!: TimePoint[];

  @Field(() => Lineage, {
    nullable: true,
    description:
      "The object and run the series comes from. Set when the series is one object's run: always without groupBy; null when groupBy aggregates across objects or runs (it does unless it names both object_id and run_id).",
  })
  source!: Lineage | null;
}

@ObjectType({ simpleResolvers: true, description: 'A point as a pipeline run wrote it.' })
export class WrittenPoint {
  @Field(() => Date)
  time!: Date;

  @Field(() => JSONScalar, { description: 'Tag name to value, without the lineage tags.' })
  tags!: Record<string, string>;

  @Field(() => JSONScalar, { description: 'Field name to number.' })
  values!: Record<string, number>;
}

@ObjectType({
  simpleResolvers: true,
  description: 'A batch of points a pipeline run has just written to a measurement.',
})
export class TimePointEvent {
  @Field(() => String)
  project!: string;

  @Field(() => String)
  measurement!: string;

  @Field(() => Lineage, { description: 'The object and run that wrote the batch.' })
  source!: Lineage;

  @Field(() => [WrittenPoint], { description: 'In file order, at most one write batch.' })
  points!: WrittenPoint[];
}

@ObjectType({
  simpleResolvers: true,
  description: "One measurement of an object's run in the time series store.",
})
export class SeriesSummary {
  @Field(() => String)
  measurement!: string;

  @Field(() => SafeInt)
  pointCount!: number;

  @Field(() => Date, { description: 'Time of the earliest point.' })
  from!: Date;

  @Field(() => Date, { description: 'Time of the latest point.' })
  to!: Date;

  @Field(() => Lineage)
  source!: Lineage;
}
