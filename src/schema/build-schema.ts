import 'reflect-metadata';
import { type GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
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

export function buildLakegateSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: [...resolvers], pubSub, validate: false, authChecker });
}
