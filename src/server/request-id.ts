import { randomUUID } from 'node:crypto';
import { type NextFunction, type Request, type Response } from 'express';
import { type Logger } from '../logger.js';

export const REQUEST_ID_HEADER = 'x-request-id';
const acceptable = /^[A-Za-z0-9._-]{1,64}$/;

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
  }
}

/** A caller's request id is kept when it is short and plain, otherwise a fresh one is made. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && acceptable.test(value) ? value : randomUUID();
}

/** Gives each request an id (echoed in the response header) and a child logger, and logs its outcome. */
export function requestLogging(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    req.id = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    req.log = logger.child({ requestId: req.id });
    res.setHeader(REQUEST_ID_HEADER, req.id);
    const started = performance.now();
    res.on('finish', () => {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      req.log.info(
        { method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms },
        'request',
      );
    });
    next();
  };
}
