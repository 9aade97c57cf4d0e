import { Field, Float, ObjectType, registerEnumType } from 'type-graphql';
import { type SourceState as State } from '../datasources/health.js';
import { type SourceName, type StoreKind as Kind } from '../datasources/types.js';

export const StoreKind = {
  S3: 'S3',
  FILESYSTEM: 'FILESYSTEM',
  MONGODB: 'MONGODB',
  EMBEDDED: 'EMBEDDED',
  INFLUXDB: 'INFLUXDB',
  NEO4J: 'NEO4J',
  CASSANDRA: 'CASSANDRA',
  REDIS: 'REDIS',
  AIRFLOW: 'AIRFLOW',
} as const satisfies Record<Kind, Kind>;
registerEnumType(StoreKind, {
  name: 'StoreKind',
  description: 'The kind of store behind a source.',
  valuesConfig: {
    FILESYSTEM: {
      description: 'The embedded raw zone: a folder on the gateway host (default without S3_URL).',
    },
    EMBEDDED: {
      description: 'The embedded catalog: a journal file on the gateway host (default without MONGODB_URL).',
    },
  },
});

export const SourceState = {
  UP: 'UP',
  DOWN: 'DOWN',
  NOT_CONFIGURED: 'NOT_CONFIGURED',
} as const satisfies Record<State, State>;
registerEnumType(SourceState, {
  name: 'SourceState',
  description: 'Live state of a source.',
  valuesConfig: {
    UP: { description: 'Answered a real request just now.' },
    DOWN: { description: 'Configured, but did not answer in time or refused the request.' },
    NOT_CONFIGURED: { description: 'No URL was given for this store; fields that need it fail.' },
  },
});

@ObjectType({
  simpleResolvers: true,
  description: 'A store the gateway reads or writes, by its role in the lake.',
})
export class Source {
  @Field(() => String, {
    description:
      'Role in the lake: raw, catalog, timeseries, graph, tables, broker or airflow (the workflows pipeline steps trigger).',
  })
  name!: SourceName;

  @Field(() => StoreKind)
  kind!: Kind;

  @Field(() => String, { nullable: true, description: 'Where the store is, without credentials.' })
  endpoint!: string | null;

  @Field(() => SourceState, { name: 'status', simple: false })
  state!: State;

  @Field(() => Float, { nullable: true, description: 'How long the check took, in milliseconds.' })
  latencyMs!: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why the store is down, as a short code (e.g. TIMEOUT).',
  })
  detail!: string | null;

  @Field(() => Date, { description: 'When the store was checked.' })
  checkedAt!: Date;
}
