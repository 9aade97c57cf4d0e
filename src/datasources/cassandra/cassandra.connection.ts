import cassandra from 'cassandra-driver';
import { guard, publicEndpoint } from '../guard.js';
import { nodeTlsOptions, type TlsMaterial } from '../tls.js';
import { type StoreConnection } from '../types.js';

/** The execution profile of pipeline writes and DDL: the longer write deadline per request. */
export const WRITE_PROFILE = 'write';

/** Options from `cassandra://[user:pass@]host:port/?dc=datacenter1&contactPoints=host2:9042,host3:9042`. */
export function cassandraClientOptions(
  url: string,
  timeoutMs: number,
  writeTimeoutMs = timeoutMs,
  tls: TlsMaterial | null = null,
): cassandra.ClientOptions {
  const u = new URL(url);
  const secure = u.searchParams.get('tls') === 'true';
  const extra = u.searchParams.get('contactPoints')?.split(',').filter(Boolean) ?? [];
  return {
    contactPoints: [`${u.hostname}:${u.port || 9042}`, ...extra],
    localDataCenter: u.searchParams.get('dc') ?? 'datacenter1',
    credentials: u.username
      ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
      : undefined,
    socketOptions: { connectTimeout: timeoutMs, readTimeout: timeoutMs },
    // A node seen down is tried again at these delays; the driver's default backs off to 10 minutes,
    // which kept the tables down for a minute after a 30-second outage.
    policies: { reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(500, 5000) },
    profiles: [new cassandra.ExecutionProfile(WRITE_PROFILE, { readTimeout: writeTimeoutMs })],
    ...(secure && { sslOptions: { ...nodeTlsOptions(tls), rejectUnauthorized: true } }),
  };
}

export class CassandraConnection implements StoreConnection {
  readonly name = 'tables';
  readonly kind = 'CASSANDRA' as const;
  readonly endpoint: string;
  readonly client: cassandra.Client;

  constructor(
    url: string,
    readonly timeoutMs: number,
    readonly writeTimeoutMs = timeoutMs,
    tls: TlsMaterial | null = null,
  ) {
    this.endpoint = publicEndpoint(url);
    // The driver connects on first use and tries again on the next call after a failed connect.
    this.client = new cassandra.Client(cassandraClientOptions(url, timeoutMs, writeTimeoutMs, tls));
  }

  async ping(): Promise<void> {
    await guard(this.name, this.timeoutMs, () =>
      this.client.execute('SELECT release_version FROM system.local'),
    );
  }

  async close(): Promise<void> {
    await this.client.shutdown();
  }
}
