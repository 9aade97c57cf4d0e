import { type NextFunction, type Request, type Response } from 'express';
import { type Principal } from '../auth/principal.js';
import { InvalidTokenError, type TokenVerifier } from '../auth/tokens.js';
import { ErrorCode } from '../errors/codes.js';

/** The token of an `Authorization: Bearer …` header or connection_init payload; null when there is none. */
export function bearerToken(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match ? match[1]! : null;
}

function unauthenticated(res: Response, message: string): void {
  res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
  res.status(401).json({ errors: [{ message, extensions: { code: ErrorCode.UNAUTHENTICATED } }] });
}

/**
 * HTTP: a request with a valid bearer token gets its principal; a bad token is a 401. A request
 * without one goes on anonymous (every field then answers UNAUTHENTICATED, introspection aside),
 * except an upload, which is refused before its body is read.
 */
export function bearerAuth(verifier: TokenVerifier) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.header('authorization');
    if (header === undefined) {
      if (req.is('multipart/form-data')) return unauthenticated(res, 'uploads need a bearer token');
      return next();
    }
    const token = bearerToken(header);
    try {
      if (!token) throw new InvalidTokenError('the Authorization header is not "Bearer <token>"');
      res.locals['principal'] = (await verifier.verify(token)).principal;
      next();
    } catch (error) {
      unauthenticated(res, (error as Error).message);
    }
  };
}

/** The principal bearerAuth found, if any. */
export const requestPrincipal = (res: Response): Principal | null =>
  (res.locals['principal'] as Principal | undefined) ?? null;
