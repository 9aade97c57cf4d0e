import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { type Context } from '../context/context.js';
import {
  type GraphImage,
  type SimilarImage as Similar,
  type ThingSummary,
} from '../datasources/neo4j/graph.store.js';
import { BadInputError } from '../errors/errors.js';
import { Image, SimilarImage, Thing } from '../schema/graph.type.js';
import { DerivedData, Lineage } from '../schema/lineage.type.js';

const MAX_SIMILAR = 100;
const MAX_THING_IMAGES = 1000;

function checkRange(argument: string, value: number, max: number): void {
  if (value < 1 || value > max) throw new BadInputError(`${argument} must be 1 to ${max}`, { argument });
}

@Resolver(() => Image)
export class ImageResolver {
  @Authorized('viewer')
  @Query(() => Image, { nullable: true, description: 'The image written from an object; null if none was.' })
  image(
    @Arg('project', () => String) project: string,
    @Arg('objectId', () => Int) objectId: number,
    @Ctx() ctx: Context,
  ): Promise<GraphImage | null> {
    return ctx.loaders.graph.image.load({ project, objectId });
  }

  @FieldResolver(() => [SimilarImage], {
    description: `The images sharing most things with this one, best first (at most ${MAX_SIMILAR}); ties go to more shared things, then to the lower objectId.`,
  })
  similarImages(
    @Root() image: GraphImage,
    @Arg('limit', () => Int, { defaultValue: 10 }) limit: number,
    @Ctx() ctx: Context,
  ): Promise<Similar[]> {
    checkRange('limit', limit, MAX_SIMILAR);
    return ctx.loaders.graph.similar.load({ project: image.project, objectId: image.objectId, limit });
  }

  @FieldResolver(() => Lineage)
  source(@Root() image: GraphImage): Lineage {
    return { project: image.project, objectId: image.objectId, runId: image.runId };
  }
}

@Resolver(() => SimilarImage)
export class SimilarImageResolver {
  @FieldResolver(() => Image, { nullable: true })
  image(@Root() similar: Similar, @Ctx() ctx: Context): Promise<GraphImage | null> {
    return ctx.loaders.graph.image.load({ project: similar.project, objectId: similar.objectId });
  }
}

@Resolver(() => Thing)
export class ThingResolver {
  @Authorized('viewer')
  @Query(() => Thing, {
    nullable: true,
    description: 'A thing by its exact name; null when no image contains it.',
  })
  thing(
    @Arg('project', () => String) project: string,
    @Arg('name', () => String) name: string,
    @Ctx() ctx: Context,
  ): Promise<ThingSummary | null> {
    return ctx.loaders.graph.thing.load({ project, name });
  }

  @FieldResolver(() => [Image], {
    description: `The first \`first\` images containing it (at most ${MAX_THING_IMAGES}), by objectId.`,
  })
  images(
    @Root() thing: ThingSummary,
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Ctx() ctx: Context,
  ): Promise<GraphImage[]> {
    checkRange('first', first, MAX_THING_IMAGES);
    return ctx.loaders.graph.thingImages.load({ project: thing.project, name: thing.name, first });
  }
}

@Resolver(() => DerivedData)
export class DerivedImagesResolver {
  @FieldResolver(() => [Image], {
    nullable: true,
    description:
      'The image node written from this object: none or one. Null, with an error, when the store is down: the rest of the answer still arrives.',
  })
  async images(@Root() derived: DerivedData, @Ctx() ctx: Context): Promise<GraphImage[]> {
    const image = await ctx.loaders.graph.image.load({
      project: derived.project,
      objectId: derived.objectId,
    });
    return image ? [image] : [];
  }
}
