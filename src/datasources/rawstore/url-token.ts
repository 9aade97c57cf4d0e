import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a gateway-served raw URL allows: one method on one object until a time. */
export interface RawGrant {
  method: 'GET' | 'PUT';
  project: string;
  key: string;
  /** Seconds since the epoch. */
  expires: number;
  contentType?: string;
  /** Hex SHA-256 the PUT body must have. */
  sha256?: string;
  /** Largest PUT body accepted. */
  maxSize?: number;
  downloadName?: string;
}

/** Signs grants into URL-safe tokens (payload.signature) and checks them: the embedded store's presigned URLs. */
export class GrantSigner {
  constructor(private readonly secret: Buffer) {}

  sign(grant: RawGrant): string {
    const payload = Buffer.from(JSON.stringify(grant)).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The grant, or null when the token is forged, malformed, for another method, or expired. */
  verify(token: string, method: RawGrant['method'], now = Date.now()): RawGrant | null {
    const [payload, mac] = token.split('.');
    if (!payload || !mac) return null;
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    let grant: RawGrant;
    try {
      grant = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as RawGrant;
    } catch {
      return null;
    }
    if (grant.method !== method || grant.expires * 1000 < now) return null;
    return grant;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
