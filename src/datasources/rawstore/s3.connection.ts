import type https from 'node:https';
import { httpsAgent, type TlsMaterial } from '../tls.js';
import { Client } from 'minio';
import { guard, publicEndpoint } from '../guard.js';
import { type StoreConnection } from '../types.js';
import { type SigningTarget } from './sigv4.js';

/** Client options from `http(s)://ACCESS_KEY:SECRET_KEY@host:port/?region=us-east-1&pathStyle=true`. */
export function s3ClientOptions(url: string) {
  const u = new URL(url);
  const useSSL = u.protocol === 'https:';
  return {
    endPoint: u.hostname,
    port: u.port ? Number(u.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: decodeURIComponent(u.username),
    secretKey: decodeURIComponent(u.password),
    region: u.searchParams.get('region') ?? 'us-east-1',
    pathStyle: u.searchParams.get('pathStyle') !== 'false',
  };
}

export class S3Connection implements StoreConnection {
  readonly name = 'raw';
  readonly kind = 'S3' as const;
  readonly endpoint: string;
  readonly client: Client;
  readonly signing: SigningTarget;
  /** For the gateway's own HTTPS requests to the store (single PUTs): trusts TLS_CA_FILE. */
  readonly agent: https.Agent | undefined;

  constructor(
    url: string,
    readonly timeoutMs: number,
    tls: TlsMaterial | null = null,
  ) {
    this.endpoint = publicEndpoint(url);
    const options = s3ClientOptions(url);
    this.agent = options.useSSL ? httpsAgent(tls) : undefined;
    this.client = new Client({ ...options, ...(this.agent && { transportAgent: this.agent }) });
    this.signing = {
      endpoint: new URL(`${options.useSSL ? 'https' : 'http'}://${options.endPoint}:${options.port}`),
      region: options.region,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      pathStyle: options.pathStyle,
    };
  }

  async ping(): Promise<void> {
    // A signed request: proves the server answers and accepts our credentials.
    await guard(this.name, this.timeoutMs, () => this.client.listBuckets());
  }

  async close(): Promise<void> {}
}
