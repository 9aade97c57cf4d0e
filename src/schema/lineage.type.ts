import { Field, ID, Int, ObjectType } from 'type-graphql';

/**
 * Where a gold record comes from: the raw object and the pipeline run that wrote it. Gold types expose it
 * as `source`; its `object` and `run` fields are resolved through the catalog loaders.
 */
@ObjectType({
  simpleResolvers: true,
  description: 'The raw object and the pipeline run a gold record comes from.',
})
export class Lineage {
  @Field(() => String)
  project!: string;

  @Field(() => Int)
  objectId!: number;

  @Field(() => ID)
  runId!: string;
}

/** The gold data made from one object; each store adds its field (series, images, tables). */
@ObjectType({ simpleResolvers: true, description: 'Gold data derived from one object by its pipeline runs.' })
export class DerivedData {
  @Field(() => String)
  project!: string;

  @Field(() => Int)
  objectId!: number;
}
