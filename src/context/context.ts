import { type Logger } from '../logger.js';
import { type Services } from './services.js';

/** What every resolver sees, built the same way for HTTP requests and WebSocket operations. */
export interface Context {
  requestId: string;
  logger: Logger;
  services: Services;
}

export function createContext(services: Services, requestId: string, logger: Logger): Context {
  return { requestId, logger: logger.child({ requestId }), services };
}
