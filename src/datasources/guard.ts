import { SourceUnavailableError } from '../errors/errors.js';

export class TimeoutError extends Error {
  override name = 'TimeoutError';
  readonly code = 'TIMEOUT';
}

/**
 * Runs one store call with a deadline and translates whatever the driver throws into
 * SourceUnavailableError, the only error a store failure may surface as.
 */
export async function guard<T>(source: string, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([call(), deadline]);
  } catch (error) {
    if (error instanceof SourceUnavailableError) throw error;
    throw new SourceUnavailableError(source, error);
  } finally {
    clearTimeout(timer);
  }
}

/** The URL without user info or query string: safe to show and to log. */
export function publicEndpoint(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}
