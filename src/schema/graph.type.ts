import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { type ImageFormat, type ThingRole as Role } from '../datasources/neo4j/graph.store.js';

export const ThingRole = { MAIN: 'main', SECONDARY: 'secondary' } as const satisfies Record<string, Role>;
registerEnumType(ThingRole, {
  name: 'ThingRole',
  valuesConfig: {
    MAIN: { description: 'Listed in mainObjects: what the image is about.' },
    SECONDARY: { description: 'Listed in secondaryObjects: also in the image.' },
  },
});

@ObjectType({ simpleResolvers: true, description: 'A thing an image contains, and its role there.' })
export class ImageThing {
  @Field(() => String)
  name!: string;

  @Field(() => ThingRole)
  role!: Role;
}

@ObjectType({
  simpleResolvers: true,
  description: 'An image object in the graph zone, with the things its annotation lists.',
})
export class Image {
  @Field(() => Int)
  objectId!: number;

  @Field(() => String, { description: 'jpeg or png, from the first bytes of the file.' })
  format!: ImageFormat;

  @Field(() => [ImageThing], { description: 'Main things first, then by name.' })
  things!: ImageThing[];
}

@ObjectType({
  simpleResolvers: true,
  description:
    'An image sharing things with another. Its score adds, for each shared thing, the product of the weights ' +
    'of its role in both images (main 2, secondary 1): main in both 4, main in one 2, secondary in both 1.',
})
export class SimilarImage {
  @Field(() => Int)
  objectId!: number;

  @Field(() => Float)
  score!: number;

  @Field(() => [String], { description: 'The names both images contain, sorted.' })
  sharedThings!: string[];
}

@ObjectType({
  simpleResolvers: true,
  description: 'A thing (cat, car, tree...) images of a project contain.',
})
export class Thing {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: 'Images of the project containing it.' })
  imageCount!: number;
}
