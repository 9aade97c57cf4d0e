import { type Principal } from '../auth/principal.js';
import { type Logger } from '../logger.js';
import { createLoaders, type Loaders } from './loaders.js';
import { type Services } from './services.js';

/** What every resolver sees, built the same way for HTTP requests and WebSocket operations. */
export interface Context {
  requestId: string;
  logger: Logger;
  services: Services;
  loaders: Loaders;
  /** The Idempotency-Key header of an HTTP request. */
  idempotencyKey?: string;
  /** Who sent a valid bearer token; null without one. */
  principal: Principal | null;
}

/** `logger` is the request's own, already carrying its requestId. */
export function createContext(
  services: Services,
  requestId: string,
  logger: Logger,
  headers: { idempotencyKey?: string; principal?: Principal | null } = {},
): Context {
  return {
    requestId,
    logger,
    services,
    loaders: createLoaders(services),
    idempotencyKey: headers.idempotencyKey,
    principal: headers.principal ?? null,
  };
}
