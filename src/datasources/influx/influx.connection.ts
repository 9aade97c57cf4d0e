import { InfluxDB } from '@influxdata/influxdb-client';
import { guard, publicEndpoint } from '../guard.js';
import { type StoreConnection } from '../types.js';

export interface InfluxSettings {
  url: string;
  token?: string;
  org?: string;
}

export class InfluxConnection implements StoreConnection {
  readonly name = 'timeseries';
  readonly kind = 'INFLUXDB';
  readonly endpoint: string;
  readonly client: InfluxDB;

  constructor(
    private readonly settings: InfluxSettings,
    private readonly timeoutMs: number,
  ) {
    this.endpoint = publicEndpoint(settings.url);
    this.client = new InfluxDB({ url: settings.url, token: settings.token, timeout: timeoutMs });
  }

  async ping(): Promise<void> {
    await guard(this.name, this.timeoutMs, async () => {
      const res = await fetch(new URL('/ping', this.settings.url), {
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!res.ok) throw new Error(`ping answered HTTP ${res.status}`);
    });
  }

  async close(): Promise<void> {}
}
