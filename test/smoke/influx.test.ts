import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Point } from '@influxdata/influxdb-client';
import { InfluxConnection } from '../../src/datasources/influx/influx.connection.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';

/** InfluxDB 2.x management API, only to give this test a bucket of its own. */
async function api(url: string, token: string, path: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(new URL(path, url), {
    ...init,
    headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
  });
  assert.ok(res.ok, `${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${await res.clone().text()}`);
  return res.status === 204 ? undefined : res.json();
}

describe('InfluxDB', () => {
  it('writes points with the v2 client, reads them back with bound InfluxQL and cleans up', async () => {
    const url = stackUrl('INFLUX_URL');
    const token = stackUrl('INFLUX_TOKEN');
    const org = stackUrl('INFLUX_ORG');
    const influx = new InfluxConnection({ url, token, org }, 5000);
    await influx.ping();

    const bucket = uniqueName('smoke');
    const { orgs } = (await api(url, token, `/api/v2/orgs?org=${org}`)) as { orgs: { id: string }[] };
    const created = (await api(url, token, '/api/v2/buckets', {
      method: 'POST',
      body: JSON.stringify({ orgID: orgs[0]!.id, name: bucket, retentionRules: [] }),
    })) as { id: string };
    try {
      const writer = influx.client.getWriteApi(org, bucket, 'ms');
      const now = Date.now();
      for (let i = 0; i < 100; i++) {
        writer.writePoint(
          new Point('temperature')
            .tag('room', i % 2 ? 'a' : 'b')
            .floatField('value', i)
            .timestamp(now - i),
        );
      }
      await writer.close();

      const query = new URLSearchParams({
        db: bucket,
        q: 'SELECT count("value") FROM "temperature" WHERE "room" = $room',
        params: JSON.stringify({ room: 'a' }),
      });
      const res = await fetch(new URL(`/query?${query}`, url), {
        headers: { authorization: `Token ${token}` },
      });
      const body = (await res.json()) as { results: { series?: { values: [string, number][] }[] }[] };
      assert.equal(body.results[0]?.series?.[0]?.values[0]?.[1], 50);
    } finally {
      await api(url, token, `/api/v2/buckets/${created.id}`, { method: 'DELETE' });
    }
    const left = (await api(url, token, `/api/v2/buckets?name=${bucket}`)) as { buckets: unknown[] };
    assert.equal(left.buckets.length, 0);
  });
});
