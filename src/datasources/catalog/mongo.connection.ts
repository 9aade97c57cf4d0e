import { MongoClient, type Db } from 'mongodb';
import { guard, publicEndpoint } from '../guard.js';
import { type StoreConnection } from '../types.js';

export class MongoConnection implements StoreConnection {
  readonly name = 'catalog';
  readonly kind = 'MONGODB' as const;
  readonly endpoint: string;
  readonly client: MongoClient;
  readonly db: Db;

  constructor(
    url: string,
    readonly timeoutMs: number,
  ) {
    this.endpoint = publicEndpoint(url);
    this.client = new MongoClient(url, {
      appName: 'lakegate',
      // Command events cost nothing without listeners; tests count round trips with them.
      monitorCommands: true,
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
    });
    // The database named in the URL path, "lakegate" when there is none.
    this.db = this.client.db(new URL(url).pathname.slice(1) || 'lakegate');
  }

  async ping(): Promise<void> {
    await guard(this.name, this.timeoutMs, () => this.db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
