import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type Launch, PrivateServer, probe, STACK_HOME } from './private-server.js';

/** A FerretDB (MongoDB wire protocol over SQLite) of the test stack's build. */
export class PrivateFerretDb extends PrivateServer {
  private port = 0;

  constructor() {
    super('ferretdb');
  }

  env(): Record<string, string> {
    return { MONGODB_URL: `mongodb://127.0.0.1:${this.port}/lakegate` };
  }

  protected async launch(): Promise<Launch> {
    this.port ||= await freePort();
    const data = join(this.dir, 'data');
    mkdirSync(data, { recursive: true });
    // The SQLite URL must start with file:, end with / and name an existing folder.
    return {
      command: join(STACK_HOME, 'bin', 'ferretdb'),
      args: [
        '--handler=sqlite',
        `--sqlite-url=file:${data}/`,
        `--listen-addr=127.0.0.1:${this.port}`,
        `--state-dir=${this.dir}`,
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=warn',
      ],
    };
  }

  protected async ready(): Promise<boolean> {
    return probe(process.execPath, ['scripts/stack/mongo/mongo-ping.mjs', String(this.port)]);
  }
}
