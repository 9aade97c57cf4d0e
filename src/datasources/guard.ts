import { GraphQLError } from 'graphql';
import { SourceUnavailableError } from '../errors/errors.js';

/** An answer from a store that the caller handles (a unique key taken, a checksum refused): not an outage. */
export class StoreAnswerError extends Error {}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
  readonly code = 'TIMEOUT';
}

/**
 * Runs one store call with a deadline (none for calls that stream a body) and translates whatever the
 * driver throws into SourceUnavailableError, the only error a store failure may surface as. Errors the
 * caller expects (a missing object) are handled inside `call`; GraphQL errors pass through.
 */
export async function guard<T>(source: string, timeoutMs: number | null, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    if (timeoutMs !== null) {
      timer = setTimeout(() => reject(new TimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    }
  });
  try {
    return await Promise.race([call(), deadline]);
  } catch (error) {
    if (error instanceof GraphQLError || error instanceof StoreAnswerError) throw error;
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
