import assert from 'node:assert/strict';
import { flux } from '@influxdata/influxdb-client';
import { type CatalogEntry } from '../../src/datasources/catalog/catalog.js';
import { InfluxConnection } from '../../src/datasources/influx/influx.connection.js';
import { InfluxTimeSeriesStore } from '../../src/datasources/influx/timeseries.store.js';
import { stackUrl, uniqueName } from './stack.js';
import { storedEntry } from './step-context.js';

/** A bucket of its own on the shared InfluxDB, made through the 2.x management API. */
export class TestBucket {
  readonly name = uniqueName('ts');
  readonly url = stackUrl('INFLUX_URL');
  readonly token = stackUrl('INFLUX_TOKEN');
  readonly org = stackUrl('INFLUX_ORG');
  readonly connection = new InfluxConnection({ url: this.url, token: this.token, org: this.org }, 10_000);
  private id = '';

  /** Gateway env lines that point at this bucket. */
  get env(): Record<string, string> {
    return { INFLUX_URL: this.url, INFLUX_TOKEN: this.token, INFLUX_ORG: this.org, INFLUX_BUCKET: this.name };
  }

  store(batchSize = 5000): InfluxTimeSeriesStore {
    return new InfluxTimeSeriesStore(this.connection, {
      bucket: this.name,
      batchSize,
      readTimeoutMs: 10_000,
      writeTimeoutMs: 30_000,
    });
  }

  async create(): Promise<void> {
    const { orgs } = (await this.api(`/api/v2/orgs?org=${encodeURIComponent(this.org)}`)) as {
      orgs: { id: string }[];
    };
    const created = (await this.api('/api/v2/buckets', {
      method: 'POST',
      body: JSON.stringify({ orgID: orgs[0]!.id, name: this.name, retentionRules: [] }),
    })) as { id: string };
    this.id = created.id;
  }

  async drop(): Promise<void> {
    if (this.id) await this.api(`/api/v2/buckets/${this.id}`, { method: 'DELETE' });
  }

  /** Points read back with the driver's own query API (Flux), one row per point and field. */
  async rows(measurement: string): Promise<Record<string, unknown>[]> {
    const query = flux`from(bucket: ${this.name})
      |> range(start: 1970-01-01T00:00:00Z, stop: 2100-01-01T00:00:00Z)
      |> filter(fn: (r) => r._measurement == ${measurement})
      |> group()
      |> sort(columns: ["_time", "_field"])`;
    return this.connection.client.getQueryApi(this.org).collectRows(query);
  }

  /** Distinct points (time and series), whatever their fields. */
  async pointCount(measurement: string): Promise<number> {
    const rows = await this.rows(measurement);
    return new Set(rows.map((r) => `${String(r['_time'])}|${String(r['object_id'])}|${String(r['run_id'])}`))
      .size;
  }

  private async api(path: string, init: RequestInit = {}): Promise<unknown> {
    const res = await fetch(new URL(path, this.url), {
      ...init,
      headers: { authorization: `Token ${this.token}`, 'content-type': 'application/json' },
    });
    assert.ok(res.ok, `${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${await res.clone().text()}`);
    return res.status === 204 ? undefined : res.json();
  }
}

/** Counts the requests this process sends to InfluxDB's /query while `fn` runs. */
export async function countQueries<T>(
  influxUrl: string,
  fn: () => Promise<T>,
): Promise<{ result: T; queries: number }> {
  const original = globalThis.fetch;
  let queries = 0;
  globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.startsWith(`${influxUrl}/query`)) queries++;
    return original(input, init);
  };
  try {
    return { result: await fn(), queries };
  } finally {
    globalThis.fetch = original;
  }
}

/** A JSON object's entry as the time series step sees it. */
export function catalogEntry(
  project: string,
  objectId: number,
  otherData: Record<string, unknown> | null,
): CatalogEntry {
  return storedEntry(project, objectId, `readings-${objectId}.json`, otherData, {
    contentType: 'application/json',
    size: 1,
  });
}
