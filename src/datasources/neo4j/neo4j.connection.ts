import neo4j, { type Driver } from 'neo4j-driver';
import { guard, publicEndpoint } from '../guard.js';
import { type StoreConnection } from '../types.js';

export class Neo4jConnection implements StoreConnection {
  readonly name = 'graph';
  readonly kind = 'NEO4J' as const;
  readonly endpoint: string;
  readonly driver: Driver;

  constructor(
    url: string,
    private readonly timeoutMs: number,
  ) {
    const u = new URL(url);
    this.endpoint = publicEndpoint(url);
    const auth = u.username
      ? neo4j.auth.basic(decodeURIComponent(u.username), decodeURIComponent(u.password))
      : undefined; // no credentials: the server runs without authentication
    this.driver = neo4j.driver(`${u.protocol}//${u.host}`, auth, {
      connectionTimeout: timeoutMs,
      connectionAcquisitionTimeout: timeoutMs,
      userAgent: 'lakegate',
    });
  }

  async ping(): Promise<void> {
    await guard(this.name, this.timeoutMs, () => this.driver.getServerInfo());
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}
