import 'reflect-metadata';
import { type GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage, type PubSub } from 'type-graphql';
import { authChecker } from '../auth/authorize.js';
import {
  DerivedImagesResolver,
  ImageResolver,
  SimilarImageResolver,
  ThingResolver,
} from '../resolvers/graph.resolver.js';
import { IngestionEventResolver } from '../resolvers/ingestion-event.resolver.js';
import { DataObjectResolver } from '../resolvers/object.resolver.js';
import {
  DataObjectPipelineResolver,
  LineageResolver,
  PipelineRunResolver,
} from '../resolvers/pipeline.resolver.js';
import { ProjectResolver } from '../resolvers/project.resolver.js';
import { SourcesResolver } from '../resolvers/sources.resolver.js';
import { DerivedTablesResolver, TableResolver } from '../resolvers/table.resolver.js';
import { DerivedSeriesResolver, TimeSeriesResolver } from '../resolvers/timeseries.resolver.js';
import { UploadResolver } from '../resolvers/upload.resolver.js';

export const resolvers = [
  SourcesResolver,
  ProjectResolver,
  DataObjectResolver,
  UploadResolver,
  IngestionEventResolver,
  PipelineRunResolver,
  DataObjectPipelineResolver,
  LineageResolver,
  ImageResolver,
  SimilarImageResolver,
  ThingResolver,
  DerivedImagesResolver,
  TableResolver,
  DerivedTablesResolver,
  TimeSeriesResolver,
  DerivedSeriesResolver,
] as const;

/**
 * Object types are declared with `simpleResolvers`: graphql-js's default resolver reads their fields,
 * without type-graphql's wrapper around every field of every object of a list. That wrapper is what
 * runs @Authorized and middlewares, and what reads a renamed field (`name: …`) under its property
 * name: such a field needs `simple: false`, or the schema is refused here.
 */
function assertSimpleFieldsArePlain(): void {
  const unfit = getMetadataStorage()
    .objectTypes.filter((type) => type.simpleResolvers)
    .flatMap((type) => (type.fields ?? []).map((field) => ({ type, field })))
    .filter(({ field }) => field.simple !== false)
    .filter(({ field }) => field.roles || field.middlewares?.length || field.schemaName !== field.name);
  if (unfit.length > 0) {
    const names = unfit.map(({ type, field }) => `${type.name}.${field.name}`).join(', ');
    throw new Error(`fields that need type-graphql's resolver in a simpleResolvers type: ${names}`);
  }
}

export async function buildLakegateSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  const schema = await buildSchema({ resolvers: [...resolvers], pubSub, validate: false, authChecker });
  assertSimpleFieldsArePlain();
  return schema;
}
