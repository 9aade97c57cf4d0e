import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import { type Logger } from '../../logger.js';
import { guard, publicEndpoint } from '../guard.js';
import { nodeTlsOptions, type TlsMaterial } from '../tls.js';
import { type StoreConnection } from '../types.js';

/** The driver's default: how long a healthy (streaming) heartbeat may wait for news from the server. */
const HEARTBEAT_FREQUENCY_MS = 10_000;

function usesTls(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'mongodb+srv:' || ['tls', 'ssl'].some((k) => u.searchParams.get(k) === 'true');
}

export class MongoConnection implements StoreConnection {
  readonly name = 'catalog';
  readonly kind = 'MONGODB' as const;
  readonly endpoint: string;
  /** Replaced when the driver hangs (see `replaceIfStuck`): read it at each use, do not keep it. */
  client: MongoClient;
  db: Db;
  private readonly options: MongoClientOptions;
  /** When each server's heartbeat in progress started. */
  private readonly heartbeats = new Map<string, number>();
  private readonly watchdog: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    readonly timeoutMs: number,
    tls: TlsMaterial | null = null,
    commandEvents = false,
    private readonly logger: Logger | null = null,
  ) {
    this.endpoint = publicEndpoint(url);
    this.options = {
      appName: 'lakegate',
      // Only for counting commands (tests do): the driver decodes every reply once more for its event.
      monitorCommands: commandEvents,
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
      // The URL says whether to use TLS (tls=true, or mongodb+srv); the files only say whom to trust.
      ...(usesTls(url) && nodeTlsOptions(tls)),
    };
    this.client = this.open();
    // The database named in the URL path, "lakegate" when there is none.
    this.db = this.client.db(new URL(url).pathname.slice(1) || 'lakegate');
    this.watchdog = setInterval(() => this.replaceIfStuck(), timeoutMs).unref();
  }

  async ping(): Promise<void> {
    await guard(this.name, this.timeoutMs, () => this.db.command({ ping: 1 }));
  }

  async close(): Promise<void> {
    clearInterval(this.watchdog);
    await this.client.close();
  }

  private open(): MongoClient {
    const client = new MongoClient(this.url, this.options);
    client.on('serverHeartbeatStarted', (e) => this.heartbeats.set(e.connectionId, Date.now()));
    const ended = (e: { connectionId: string }) => this.heartbeats.delete(e.connectionId);
    client.on('serverHeartbeatSucceeded', ended).on('serverHeartbeatFailed', ended);
    return client;
  }

  /**
   * The driver (6.22) can hang a heartbeat for good: a check that writes to a connection the server has
   * just closed waits for a 'drain' that never comes. The server then stays Unknown and every catalog call
   * fails until a restart (seen when FerretDB was restarted under load). A heartbeat running well past its
   * own deadlines means that: the client is replaced by a new one.
   */
  private replaceIfStuck(): void {
    const limit = Date.now() - HEARTBEAT_FREQUENCY_MS - 2 * this.timeoutMs;
    if (![...this.heartbeats.values()].some((started) => started < limit)) return;
    this.logger?.warn({ endpoint: this.endpoint }, 'MongoDB driver stuck on a heartbeat; client replaced');
    const stuck = this.client;
    this.heartbeats.clear();
    this.client = this.open();
    this.db = this.client.db(this.db.databaseName);
    stuck.close().catch(() => {});
  }
}
