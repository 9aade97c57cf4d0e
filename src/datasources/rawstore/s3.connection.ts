import { Client } from 'minio';
import { guard, publicEndpoint } from '../guard.js';
import { type StoreConnection } from '../types.js';

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
  readonly kind = 'S3';
  readonly endpoint: string;
  readonly client: Client;

  constructor(
    url: string,
    private readonly timeoutMs: number,
  ) {
    this.endpoint = publicEndpoint(url);
    this.client = new Client(s3ClientOptions(url));
  }

  async ping(): Promise<void> {
    // A signed request: proves the server answers and accepts our credentials.
    await guard(this.name, this.timeoutMs, () => this.client.listBuckets());
  }

  async close(): Promise<void> {}
}
