import { type Readable } from 'node:stream';
import busboy from 'busboy';
import { type NextFunction, type Request, type Response } from 'express';
import Upload from 'graphql-upload/Upload.mjs';
import { ErrorCode } from '../errors/codes.js';
import { LakegateError } from '../errors/errors.js';

export interface MultipartLimits {
  maxFileSize: number;
  maxFiles: number;
  /** Largest `operations` or `map` field, in bytes. */
  maxFieldSize: number;
}

class MultipartError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Sets `value` at a dotted path ("variables.file", "0.variables.files.1") that must hold null today. */
function placeAt(target: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  const parent = keys.reduce<unknown>(
    (node, key) => (node as Record<string, unknown> | undefined)?.[key],
    target,
  );
  if (parent === null || typeof parent !== 'object' || (parent as Record<string, unknown>)[last] !== null) {
    throw new MultipartError(400, `map path ${path} does not point at a null variable in operations`);
  }
  (parent as Record<string, unknown>)[last] = value;
}

function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MultipartError(400, `the ${name} field is not valid JSON`);
  }
}

/**
 * The GraphQL multipart request spec, streamed: once `operations` and `map` are read the operation
 * runs, and each file reaches its resolver as the very stream of the request body, with no temporary
 * file (graphql-upload's processRequest spools every file to disk first). A file can be read once.
 * Requests without a CSRF preflight header are refused before anything is parsed.
 */
export function graphqlMultipart(limits: MultipartLimits) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('multipart/form-data')) return next();
    if (!req.headers['apollo-require-preflight'] && !req.headers['x-apollo-operation-name']) {
      return void res.status(400).json({
        errors: [
          {
            message:
              'a multipart request needs an Apollo-Require-Preflight or X-Apollo-Operation-Name header (CSRF protection)',
            extensions: { code: ErrorCode.BAD_REQUEST },
          },
        ],
      });
    }
    const uploads = new Map<string, Upload>();
    const streams: Readable[] = [];
    let operations: unknown;
    let started = false;

    const fail = (error: MultipartError) => {
      const refusal = new LakegateError(ErrorCode.BAD_REQUEST, error.message);
      for (const upload of uploads.values()) upload.reject(refusal);
      for (const stream of streams) if (!stream.destroyed) stream.destroy(error);
      req.unpipe(parser);
      req.resume();
      if (!started && !res.headersSent) {
        res
          .status(error.status)
          .json({ errors: [{ message: error.message, extensions: { code: ErrorCode.BAD_REQUEST } }] });
      }
    };

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: {
          fieldSize: limits.maxFieldSize,
          fields: 2,
          files: limits.maxFiles,
          fileSize: limits.maxFileSize,
        },
      });
    } catch (error) {
      return void fail(new MultipartError(400, `not a multipart body: ${(error as Error).message}`));
    }

    parser.on('field', (name, value, info) => {
      try {
        if (info.valueTruncated)
          throw new MultipartError(413, `the ${name} field is larger than ${limits.maxFieldSize} bytes`);
        if (name === 'operations') {
          operations = parseJson(name, value);
        } else if (name === 'map') {
          if (operations === undefined)
            throw new MultipartError(400, 'the operations field must come before map');
          const map = parseJson(name, value);
          if (!map || typeof map !== 'object' || Array.isArray(map))
            throw new MultipartError(400, 'map must be an object');
          for (const [key, paths] of Object.entries(map)) {
            if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) {
              throw new MultipartError(400, `map entry ${key} must list variable paths`);
            }
            const upload = new Upload();
            uploads.set(key, upload);
            for (const path of paths) placeAt(operations, path, upload);
          }
          started = true;
          req.body = operations;
          next();
        } else {
          throw new MultipartError(
            400,
            `unexpected field ${name}: a multipart request has operations, map, then files`,
          );
        }
      } catch (error) {
        fail(error instanceof MultipartError ? error : new MultipartError(400, (error as Error).message));
      }
    });

    parser.on('file', (name, stream, info) => {
      const upload = uploads.get(name);
      if (!upload) return void stream.resume();
      streams.push(stream);
      stream.on('limit', () =>
        stream.destroy(
          Object.assign(new Error(`file ${name} is larger than ${limits.maxFileSize} bytes`), {
            status: 413,
          }),
        ),
      );
      let taken = false;
      upload.resolve({
        filename: info.filename ?? name,
        mimetype: info.mimeType,
        encoding: info.encoding,
        createReadStream: () => {
          if (taken) throw new Error(`file ${name} has been read already`);
          taken = true;
          return stream as never;
        },
      });
    });

    parser.on('filesLimit', () => fail(new MultipartError(413, `more than ${limits.maxFiles} files`)));
    parser.on('finish', () => {
      for (const [key, upload] of uploads)
        if (!upload.file)
          upload.reject(new LakegateError(ErrorCode.BAD_REQUEST, `file ${key} is missing from the request`));
    });
    parser.on('error', (error: Error) =>
      fail(new MultipartError(400, `malformed multipart body: ${error.message}`)),
    );
    req.on('close', () => {
      if (!req.complete) fail(new MultipartError(499, 'the client closed the request before the body ended'));
    });
    // Whatever the operation did not read is drained, so the connection can answer.
    res.once('finish', () => {
      for (const stream of streams) stream.resume();
      req.resume();
    });
    req.pipe(parser);
  };
}
