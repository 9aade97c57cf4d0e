import neo4j, { type Config, type Driver } from 'neo4j-driver';
import { guard, publicEndpoint } from '../guard.js';
import { type TlsMaterial } from '../tls.js';
import { type StoreConnection } from '../types.js';

function neo4jTls({ files }: TlsMaterial): Config {
  return {
    encrypted: 'ENCRYPTION_ON',
    trust: files.caFile ? 'TRUST_CUSTOM_CA_SIGNED_CERTIFICATES' : 'TRUST_SYSTEM_CA_SIGNED_CERTIFICATES',
    trustedCertificates: files.caFile ? [files.caFile] : [],
    ...(files.certFile &&
      files.keyFile && { clientCertificate: { certfile: files.certFile, keyfile: files.keyFile } }),
  };
}

export class Neo4jConnection implements StoreConnection {
  readonly name = 'graph';
  readonly kind = 'NEO4J' as const;
  readonly endpoint: string;
  readonly driver: Driver;

  constructor(
    url: string,
    private readonly timeoutMs: number,
    tls: TlsMaterial | null = null,
  ) {
    const u = new URL(url);
    // The driver trusts only system CAs with a +s scheme; with TLS files it is told whom to trust instead.
    const custom = u.protocol.endsWith('+s:') && tls !== null;
    const scheme = custom ? u.protocol.replace('+s', '') : u.protocol;
    this.endpoint = publicEndpoint(url);
    const auth = u.username
      ? neo4j.auth.basic(decodeURIComponent(u.username), decodeURIComponent(u.password))
      : undefined; // no credentials: the server runs without authentication
    this.driver = neo4j.driver(`${scheme}//${u.host}`, auth, {
      connectionTimeout: timeoutMs,
      connectionAcquisitionTimeout: timeoutMs,
      userAgent: 'lakegate',
      ...(custom && neo4jTls(tls)),
    });
  }

  async ping(): Promise<void> {
    await guard(this.name, this.timeoutMs, () => this.driver.getServerInfo());
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}
