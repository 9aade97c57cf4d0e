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

export interface Verified {
  principal: Principal;
  expiresAt: Date | null;
}

/** Verifies a token; the error message says why it is refused, without echoing the token. */
export async function verifyBearer(verifier: TokenVerifier | null, token: string): Promise<Verified> {
  if (!verifier)
    throw new InvalidTokenError('this gateway takes no tokens: AUTH_JWT_SECRET or AUTH_JWKS_URL is not set');
  return verifier.verify(token);
}

/** HTTP: a request with a bearer token gets its principal, or a 401 when the token is not valid. */
export function bearerAuth(verifier: TokenVerifier | null) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.header('authorization');
    if (header === undefined) return next();
    const token = bearerToken(header);
    try {
      if (!token) throw new InvalidTokenError('the Authorization header is not "Bearer <token>"');
      res.locals['principal'] = (await verifyBearer(verifier, token)).principal;
      next();
    } catch (error) {
      res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
      res.status(401).json({
        errors: [{ message: (error as Error).message, extensions: { code: ErrorCode.UNAUTHENTICATED } }],
      });
    }
  };
}
