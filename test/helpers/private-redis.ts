import { freePort, type Launch, PrivateServer, probe } from './private-server.js';

/** A Redis of the test stack's build (Debian's redis-server), without persistence like the stack's. */
export class PrivateRedis extends PrivateServer {
  private port = 0;

  constructor() {
    super('redis');
  }

  env(): Record<string, string> {
    return { REDIS_URL: `redis://127.0.0.1:${this.port}` };
  }

  protected async launch(): Promise<Launch> {
    this.port ||= await freePort();
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    return { command: 'redis-server', args: [...args, '--dir', this.dir] };
  }

  protected async ready(): Promise<boolean> {
    return probe('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), 'ping']);
  }
}
