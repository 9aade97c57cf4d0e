import { type Logger } from '../logger.js';
import { SOURCE_ROLES, type Sources } from './sources.js';
import { type SourceName, type StoreKind } from './types.js';

export type SourceState = 'UP' | 'DOWN' | 'NOT_CONFIGURED';

export interface SourceStatus {
  name: SourceName;
  kind: StoreKind;
  endpoint: string | null;
  state: SourceState;
  latencyMs: number | null;
  /** Why a store is down, as a short code (TIMEOUT, ECONNREFUSED, ...): never a driver message. */
  detail: string | null;
  checkedAt: Date;
}

/** Pings every configured store at once; unconfigured roles are listed as NOT_CONFIGURED. */
export async function checkSources(sources: Sources, logger: Logger): Promise<SourceStatus[]> {
  return Promise.all(
    SOURCE_ROLES.map(async ({ name, kind }): Promise<SourceStatus> => {
      const connection = sources[name];
      if (!connection) {
        return {
          name,
          kind,
          endpoint: null,
          state: 'NOT_CONFIGURED',
          latencyMs: null,
          detail: null,
          checkedAt: new Date(),
        };
      }
      const started = performance.now();
      const base = { name, kind: connection.kind, endpoint: connection.endpoint };
      try {
        await connection.ping();
        const latencyMs = round(performance.now() - started);
        return { ...base, state: 'UP', latencyMs, detail: null, checkedAt: new Date() };
      } catch (error) {
        logger.warn({ source: name, err: causeOf(error) }, 'source is down');
        const latencyMs = round(performance.now() - started);
        return { ...base, state: 'DOWN', latencyMs, detail: failureCode(error), checkedAt: new Date() };
      }
    }),
  );
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function causeOf(error: unknown): unknown {
  return (error as { originalError?: unknown }).originalError ?? error;
}

function failureCode(error: unknown): string {
  const cause = causeOf(error) as { code?: unknown; name?: unknown };
  if (typeof cause.code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(cause.code)) return cause.code;
  return typeof cause.name === 'string' ? cause.name : 'UNAVAILABLE';
}
