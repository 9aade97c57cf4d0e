import { createRemoteJWKSet, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { type Principal, ROLES } from './principal.js';

/** The claim lakegate reads its roles from: `{ "admin": true }` or `{ "projects": { "sensors": "editor" } }`. */
export const ROLES_CLAIM = 'lakegate';

const rolesClaim = z
  .object({
    admin: z.boolean().default(false),
    projects: z.record(z.string().min(1), z.enum(ROLES)).default({}),
  })
  .strict();

export interface TokenSettings {
  /** HS256 shared secret; or */
  secret?: string;
  /** a JWKS URL whose keys verify RS256 and ES256 tokens. */
  jwksUrl?: string;
  issuer: string;
  audience: string;
}

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

export interface VerifiedToken {
  principal: Principal;
  expiresAt: Date | null;
}

/** Verified tokens are remembered: a client sending the same one again skips the signature check. */
const REMEMBERED_TOKENS = 1000;
/** Bounds how long a token stays accepted after its signing key left the JWKS. */
const REMEMBER_MS = 60_000;

/** Verifies bearer tokens (signature, issuer, audience, expiry) and maps their claims to a principal. */
export class TokenVerifier {
  private readonly key: Uint8Array | ReturnType<typeof createRemoteJWKSet>;
  private readonly algorithms: string[];
  /** Least recently used first. */
  private readonly remembered = new Map<string, { verified: VerifiedToken; until: number }>();

  constructor(private readonly settings: TokenSettings) {
    if (settings.secret) {
      this.key = new TextEncoder().encode(settings.secret);
      this.algorithms = ['HS256'];
    } else if (settings.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(settings.jwksUrl));
      this.algorithms = ['RS256', 'ES256'];
    } else {
      throw new Error('a token verifier needs a secret or a JWKS URL');
    }
  }

  async verify(token: string, now = new Date()): Promise<VerifiedToken> {
    const known = this.remembered.get(token);
    this.remembered.delete(token);
    if (known && now.getTime() < known.until) {
      this.remembered.set(token, known);
      return known.verified;
    }
    const verified = await this.check(token, now);
    const until = Math.min(now.getTime() + REMEMBER_MS, verified.expiresAt?.getTime() ?? Infinity);
    this.remembered.set(token, { verified, until });
    if (this.remembered.size > REMEMBERED_TOKENS)
      this.remembered.delete(this.remembered.keys().next().value!);
    return verified;
  }

  private async check(token: string, now: Date): Promise<VerifiedToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as Uint8Array, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: this.algorithms,
        requiredClaims: ['sub', 'exp'],
        currentDate: now,
      }));
    } catch (error) {
      throw new InvalidTokenError(`invalid token: ${(error as Error).message}`);
    }
    const roles = rolesClaim.safeParse(payload[ROLES_CLAIM] ?? {});
    if (!roles.success) throw new InvalidTokenError(`invalid token: the ${ROLES_CLAIM} claim is malformed`);
    return {
      principal: {
        subject: payload.sub!,
        platformAdmin: roles.data.admin,
        projects: new Map(Object.entries(roles.data.projects)),
      },
      expiresAt: payload.exp ? new Date(payload.exp * 1000) : null,
    };
  }
}

export interface MintRequest {
  subject: string;
  admin?: boolean;
  projects?: Record<string, (typeof ROLES)[number]>;
  /** A jose time span: "1h", "30m", "7d". */
  expiresIn: string;
}

/** Signs an HS256 token with the shared secret: for `lakegate token` and tests. */
export function mintToken(
  settings: TokenSettings & { secret: string },
  request: MintRequest,
): Promise<string> {
  return new SignJWT({ [ROLES_CLAIM]: { admin: request.admin ?? false, projects: request.projects ?? {} } })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(request.subject)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(request.expiresIn)
    .sign(new TextEncoder().encode(settings.secret));
}
