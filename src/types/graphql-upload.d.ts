// graphql-upload 17 documents its types in JSDoc only; these are the parts lakegate uses.
declare module 'graphql-upload/processRequest.mjs' {
  import { type ReadStream } from 'node:fs';

  export interface FileUpload {
    filename: string;
    mimetype: string;
    encoding: string;
    createReadStream(options?: { encoding?: BufferEncoding; highWaterMark?: number }): ReadStream;
  }
}

declare module 'graphql-upload/GraphQLUpload.mjs' {
  import { type GraphQLScalarType } from 'graphql';

  const GraphQLUpload: GraphQLScalarType;
  export default GraphQLUpload;
}

declare module 'graphql-upload/graphqlUploadExpress.mjs' {
  import { type RequestHandler } from 'express';

  export default function graphqlUploadExpress(options?: {
    maxFieldSize?: number;
    maxFileSize?: number;
    maxFiles?: number;
  }): RequestHandler;
}
