import GraphQLUpload from 'graphql-upload/GraphQLUpload.mjs';
import { GraphQLJSON, GraphQLSafeInt } from 'graphql-scalars';

/** Byte counts and sizes pass 2^31: integers up to 2^53. */
export const SafeInt = GraphQLSafeInt;
export const JSONScalar = GraphQLJSON;
/** A file in a GraphQL multipart request. */
export const Upload = GraphQLUpload;
