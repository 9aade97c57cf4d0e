import { MongoClient } from 'mongodb';

/**
 * Reads the catalog's database directly, apart from the gateway, every `everyMs`: when the gateway's
 * catalog reads are slow, this says whether the server itself was slow for every client.
 */
export class CatalogProbe {
  readonly latencies: number[] = [];
  private readonly client: MongoClient;

  constructor(url: string) {
    this.client = new MongoClient(url, { serverSelectionTimeoutMS: 60_000 });
  }

  async run(everyMs: number, endAt: number): Promise<void> {
    const entries = this.client.db().collection('entries');
    while (Date.now() < endAt) {
      const started = performance.now();
      await entries.findOne({}, { sort: { objectId: -1 } }).catch(() => null);
      this.latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
