import { type Catalog, type CatalogEntry, DuplicateKeyError } from '../datasources/catalog/catalog.js';
import { ErrorCode } from '../errors/codes.js';
import { BadInputError, ConflictError, LakegateError } from '../errors/errors.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

export function assertIdempotencyKey(key: string): void {
  if (!KEY.test(key))
    throw new BadInputError('an Idempotency-Key is 1 to 255 visible ASCII characters', {
      argument: 'idempotencyKey',
    });
}

/** The header wins only when the argument is absent; the two must not disagree. */
export function pickIdempotencyKey(
  argument: string | null | undefined,
  header: string | undefined,
): string | null {
  if (argument && header && argument !== header) {
    throw new BadInputError('the idempotencyKey argument and the Idempotency-Key header differ', {
      argument: 'idempotencyKey',
    });
  }
  const key = argument ?? header ?? null;
  if (key !== null) assertIdempotencyKey(key);
  return key;
}

export type Reservation = { kind: 'new' } | { kind: 'done'; fingerprint: string; objectId: number };

/**
 * Idempotency keys per project. A key is reserved before anything is stored; the first request's
 * fingerprint is recorded when it succeeds, and the reservation is dropped when it fails, so the client
 * can retry with the same key.
 */
export class IdempotencyKeys {
  constructor(private readonly catalog: Catalog) {}

  async reserve(project: string, key: string): Promise<Reservation> {
    try {
      await this.catalog.insertIdempotency({
        project,
        key,
        objectId: null,
        fingerprint: null,
        createdAt: new Date(),
      });
      return { kind: 'new' };
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
    }
    const existing = await this.catalog.idempotency(project, key);
    if (!existing) return this.reserve(project, key); // dropped in between: try again
    if (existing.fingerprint === null || existing.objectId === null) {
      throw new ConflictError(
        `a request with Idempotency-Key ${key} is still running; retry when it has finished`,
      );
    }
    return { kind: 'done', fingerprint: existing.fingerprint, objectId: existing.objectId };
  }

  attach(project: string, key: string, objectId: number): Promise<void> {
    return this.catalog.updateIdempotency(project, key, { objectId });
  }

  succeed(project: string, key: string, fingerprint: string): Promise<void> {
    return this.catalog.updateIdempotency(project, key, { fingerprint });
  }

  release(project: string, key: string): Promise<void> {
    return this.catalog.removeIdempotency(project, key);
  }

  /** The first request's entry when the fingerprints match; IDEMPOTENCY_KEY_REUSED otherwise. */
  async replay(
    project: string,
    key: string,
    done: { fingerprint: string; objectId: number },
    fingerprint: string,
  ): Promise<CatalogEntry> {
    if (done.fingerprint !== fingerprint) {
      throw new LakegateError(
        ErrorCode.IDEMPOTENCY_KEY_REUSED,
        `Idempotency-Key ${key} was used for a different request in project ${project}`,
      );
    }
    const [entry] = await this.catalog.entries(project, [done.objectId]);
    if (!entry) throw new ConflictError(`the object of Idempotency-Key ${key} no longer exists`);
    return entry;
  }
}
