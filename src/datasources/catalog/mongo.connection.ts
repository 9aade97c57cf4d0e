import { MongoClient, type Db } from 'mongodb';
import { guard, publicEndpoint } from '../guard.js';
import { nodeTlsOptions, type TlsMaterial } from '../tls.js';
import { type StoreConnection } from '../types.js';

function usesTls(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'mongodb+srv:' || ['tls', 'ssl'].some((k) => u.searchParams.get(k) === 'true');
}

export class MongoConnection implements StoreConnection {
  readonly name = 'catalog';
  readonly kind = 'MONGODB' as const;
  readonly endpoint: string;
  readonly client: MongoClient;
  readonly db: Db;

  constructor(
    url: string,
    readonly timeoutMs: number,
    tls: TlsMaterial | null = null,
    commandEvents = false,
  ) {
    this.endpoint = publicEndpoint(url);
    this.client = new MongoClient(url, {
      appName: 'lakegate',
      // Only for counting commands (tests do): the driver decodes every reply once more for its event.
      monitorCommands: commandEvents,
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
      // The URL says whether to use TLS (tls=true, or mongodb+srv); the files only say whom to trust.
      ...(usesTls(url) && nodeTlsOptions(tls)),
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
