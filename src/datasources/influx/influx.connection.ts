import { InfluxDB } from '@influxdata/influxdb-client';
import { guard, publicEndpoint } from '../guard.js';
import { fetchDispatcher, nodeTlsOptions, type TlsMaterial } from '../tls.js';
import { type StoreConnection } from '../types.js';

export interface InfluxSettings {
  url: string;
  token?: string;
  org?: string;
}

export class InfluxConnection implements StoreConnection {
  readonly name = 'timeseries';
  readonly kind = 'INFLUXDB' as const;
  readonly endpoint: string;
  readonly client: InfluxDB;

  /** `fetch` for the gateway's own requests (InfluxQL, line protocol), trusting TLS_CA_FILE. */
  readonly fetch: typeof fetch;

  constructor(
    readonly settings: InfluxSettings,
    private readonly timeoutMs: number,
    tls: TlsMaterial | null = null,
  ) {
    this.endpoint = publicEndpoint(settings.url);
    this.client = new InfluxDB({
      url: settings.url,
      token: settings.token,
      timeout: timeoutMs,
      ...(tls && { transportOptions: nodeTlsOptions(tls) }),
    });
    const dispatcher = fetchDispatcher(tls);
    // The global fetch is looked up at each call (tests count requests by wrapping it).
    this.fetch = (input, init) => fetch(input, dispatcher ? ({ ...init, dispatcher } as RequestInit) : init);
  }

  /** An authenticated InfluxQL request on the v1-compatible endpoint (1.x, 2.x and 3.x): proves the token too. */
  async ping(): Promise<void> {
    await guard(this.name, this.timeoutMs, async () => {
      const res = await this.fetch(new URL('/query?q=SHOW+DATABASES', this.settings.url), {
        headers: this.settings.token ? { authorization: `Token ${this.settings.token}` } : {},
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!res.ok)
        throw Object.assign(new Error(`InfluxDB answered HTTP ${res.status}`), {
          code: `HTTP_${res.status}`,
        });
    });
  }

  async close(): Promise<void> {}
}
