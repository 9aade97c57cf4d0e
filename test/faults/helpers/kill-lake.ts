import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client as MinioClient } from 'minio';
import { type Db, MongoClient } from 'mongodb';
import { type CatalogEntry, type IngestionEventRecord } from '../../../src/datasources/catalog/catalog.js';
import { type RunRecord } from '../../../src/datasources/catalog/runs.js';
import { s3ClientOptions } from '../../../src/datasources/rawstore/s3.connection.js';
import { type GatewayProcess, spawnGateway } from '../../helpers/process.js';

/** Gateway processes started by a test, so that every one of them is gone when it ends. */
export class Gateways {
  private readonly started = new Set<GatewayProcess>();

  async start(env: Record<string, string>): Promise<GatewayProcess> {
    // Each process its own DATA_DIR: nothing may survive a kill but what the shared stores hold.
    const gateway = await spawnGateway({ DATA_DIR: mkdtempSync(join(tmpdir(), 'lakegate-kill-')), ...env });
    this.started.add(gateway);
    return gateway;
  }

  /** kill -9: no shutdown hook, no drain, no flush. */
  async kill(gateway: GatewayProcess): Promise<void> {
    gateway.child.kill('SIGKILL');
    await gateway.exited;
    this.started.delete(gateway);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.started].map((g) => this.kill(g)));
  }
}

/** Sends one GraphQL operation to a gateway process and returns its data, failing on any error. */
export async function ask<T>(
  gateway: GatewayProcess,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const res = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.adminToken}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data!;
}

/** Polls `probe` until it answers something truthy; fails with `what` after `ms`. */
export async function until<T>(
  probe: () => Promise<T | null | undefined | false>,
  what: () => string,
  ms = 90_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await sleep(100);
  }
}

/**
 * Waits until `probe` says the stores have settled, or `ms` passed: the assertions that follow then say
 * what did not settle.
 */
export async function settled(probe: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe()) && Date.now() < deadline) await sleep(200);
}

/** The catalog database read with the MongoDB driver itself, not through the gateway. */
export class CatalogReader {
  private readonly client: MongoClient;
  readonly db: Db;

  constructor(url: string) {
    this.client = new MongoClient(url);
    this.db = this.client.db();
  }

  entries(project: string): Promise<CatalogEntry[]> {
    return this.db
      .collection<CatalogEntry>('entries')
      .find({ project }, { projection: { _id: 0 } })
      .toArray();
  }

  events(project: string): Promise<IngestionEventRecord[]> {
    return this.db
      .collection<IngestionEventRecord>('events')
      .find({ project }, { projection: { _id: 0 } })
      .sort({ sequence: 1 })
      .toArray();
  }

  runs(project: string): Promise<RunRecord[]> {
    return this.db
      .collection<RunRecord>('runs')
      .find({ project }, { projection: { _id: 0 } })
      .toArray();
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** A project's bucket read with the minio client itself. */
export class BucketReader {
  private readonly client: MinioClient;

  constructor(
    s3Url: string,
    readonly bucket: string,
  ) {
    this.client = new MinioClient(s3ClientOptions(s3Url));
  }

  /** Every object: key to size. */
  async objects(): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for await (const o of this.client.listObjectsV2(this.bucket, '', true)) {
      const item = o as { name?: string; size: number };
      if (item.name) found.set(item.name, item.size);
    }
    return found;
  }

  /** Keys of multipart uploads started and neither completed nor aborted. */
  async unfinishedUploads(): Promise<string[]> {
    const keys: string[] = [];
    for await (const u of this.client.listIncompleteUploads(this.bucket, '', true)) keys.push(u.key);
    return keys;
  }

  async sha256(key: string): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of await this.client.getObject(this.bucket, key)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }
}

/** How many events of each type an upload or run has. */
export function countTypes(events: IngestionEventRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return counts;
}
