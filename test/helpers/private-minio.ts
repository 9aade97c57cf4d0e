import { join } from 'node:path';
import { freePort, type Launch, PrivateServer, STACK_HOME } from './private-server.js';

/** A MinIO of the test stack's build, with the stack's credentials. */
export class PrivateMinio extends PrivateServer {
  private port = 0;
  private consolePort = 0;

  constructor() {
    super('minio');
  }

  env(): Record<string, string> {
    return { S3_URL: `http://lakegate:lakegate-secret@127.0.0.1:${this.port}/?region=us-east-1` };
  }

  protected async launch(): Promise<Launch> {
    this.port ||= await freePort();
    this.consolePort ||= await freePort();
    return {
      command: join(STACK_HOME, 'bin', 'minio'),
      args: [
        'server',
        join(this.dir, 'data'),
        '--address',
        `127.0.0.1:${this.port}`,
        '--console-address',
        `127.0.0.1:${this.consolePort}`,
      ],
      // No update checks, no web console: nothing leaves the machine.
      env: {
        MINIO_ROOT_USER: 'lakegate',
        MINIO_ROOT_PASSWORD: 'lakegate-secret',
        MINIO_UPDATE: 'off',
        MINIO_BROWSER: 'off',
        MINIO_CALLHOME_ENABLE: 'off',
        MINIO_SITE_REGION: 'us-east-1',
      },
    };
  }

  protected async ready(): Promise<boolean> {
    const res = await fetch(`http://127.0.0.1:${this.port}/minio/health/live`);
    return res.ok;
  }
}
