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

declare module 'graphql-upload/Upload.mjs' {
  import { type FileUpload } from 'graphql-upload/processRequest.mjs';

  /** A file of a multipart request: the GraphQLUpload scalar resolves to its promise. */
  export default class Upload {
    promise: Promise<FileUpload>;
    file?: FileUpload;
    resolve(file: FileUpload): void;
    reject(error: Error): void;
  }
}
