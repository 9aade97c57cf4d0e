import { Redis } from 'ioredis';
import { guard, publicEndpoint } from '../guard.js';
import { nodeTlsOptions, type TlsMaterial } from '../tls.js';
import { type StoreConnection } from '../types.js';

export class RedisConnection implements StoreConnection {
  readonly name = 'broker';
  readonly kind = 'REDIS' as const;
  readonly endpoint: string;
  readonly client: Redis;

  constructor(
    url: string,
    private readonly timeoutMs: number,
    tls: TlsMaterial | null = null,
  ) {
    this.endpoint = publicEndpoint(url);
    this.client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      // A command sent while disconnected fails after one reconnect attempt instead of waiting forever.
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      ...(url.startsWith('rediss:') && { tls: nodeTlsOptions(tls) }),
    });
    this.client.on('error', () => {}); // reported through ping(); ioredis would otherwise print it
    this.client.connect().catch(() => {});
  }

  async ping(): Promise<void> {
    await guard(this.name, this.timeoutMs, () => this.client.ping());
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
