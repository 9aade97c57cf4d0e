import 'reflect-metadata';
import { type GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { SourcesResolver } from '../resolvers/sources.resolver.js';

export const resolvers = [SourcesResolver] as const;

export function buildLakegateSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: [...resolvers], pubSub, validate: false });
}
