import { type InfluxDB, Point } from '@influxdata/influxdb-client';

/**
 * The baseline for time series benchmarks: `count` points (one a second, one float field) written straight
 * with the driver, `batchSize` per request. Each batch is flushed and awaited by hand: the write API's own
 * close() does not wait for batches it sent when its buffer filled up.
 */
export async function writePointsDirect(
  client: InfluxDB,
  org: string,
  bucket: string,
  measurement: string,
  count: number,
  batchSize: number,
  startMs = Date.UTC(2024, 0, 1),
): Promise<void> {
  const api = client.getWriteApi(org, bucket, 'ms', {
    batchSize: batchSize + 1,
    flushInterval: 0,
    maxRetries: 0,
  });
  try {
    for (let start = 0; start < count; start += batchSize) {
      const end = Math.min(start + batchSize, count);
      for (let i = start; i < end; i++) {
        api.writePoint(
          new Point(measurement)
            .tag('run', 'direct')
            .floatField('v', i)
            .timestamp(startMs + i * 1000),
        );
      }
      await api.flush();
    }
  } finally {
    await api.close();
  }
}
