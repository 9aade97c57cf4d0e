import { type NextFunction, type Request, type Response } from 'express';
import { type Principal } from '../auth/principal.js';
import { ErrorCode } from '../errors/codes.js';
import { requestPrincipal } from './auth.js';

/** Token buckets per client: `perMinute` requests a minute, with bursts up to that many. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perMinute: number) {}

  /** Seconds to wait before the next request is allowed; 0 when it is allowed now (and counted). */
  take(key: string, now = Date.now()): number {
    if (this.perMinute <= 0) return 0;
    const rate = this.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 100_000) this.forgetIdle(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / rate / 1000);
  }

  /** Full buckets carry no information: drop them so the map does not grow without bound. */
  private forgetIdle(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * (this.perMinute / 60_000) >= this.perMinute)
        this.buckets.delete(key);
    }
  }
}

export function rateLimitedError(retryAfterSeconds: number) {
  return {
    message: `too many requests: retry in ${retryAfterSeconds} s`,
    extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds },
  };
}

/** Whose budget a request spends: its principal's, or its address's when it carries no token. */
export function clientKey(principal: Principal | null, address: string | undefined): string {
  return principal ? `principal:${principal.subject}` : `address:${address ?? 'unknown'}`;
}

/** 429 with Retry-After for a client over its budget: uploads (multipart requests) and other requests apart. */
export function rateLimits(limits: { requests: RateLimiter; uploads: RateLimiter }) {
  return (req: Request, res: Response, next: NextFunction) => {
    const limiter = req.is('multipart/form-data') ? limits.uploads : limits.requests;
    const wait = limiter.take(clientKey(requestPrincipal(res), req.ip));
    if (wait === 0) return next();
    res.setHeader('retry-after', String(wait));
    res.status(429).json({ errors: [rateLimitedError(wait)] });
  };
}
