import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type Launch, portOpen, PrivateServer, STACK_HOME, stackShell } from './private-server.js';

const NEO4J = join(STACK_HOME, 'neo4j');

/**
 * A Neo4j of the test stack's build (its embedded launcher): Bolt on a port of its own, no auth, a heap of
 * 512 MiB at most (the launcher's page cache is 128 MiB).
 */
export class PrivateNeo4j extends PrivateServer {
  private port = 0;
  private readonly availableFile = join(this.dir, 'available');

  constructor() {
    super('neo4j');
  }

  env(): Record<string, string> {
    return { NEO4J_URL: `bolt://127.0.0.1:${this.port}` };
  }

  protected async launch(): Promise<Launch> {
    this.port ||= await freePort();
    const [jdk] = await stackShell('jdk17');
    // A file left by a killed server would say ready too early.
    rmSync(this.availableFile, { force: true });
    return {
      command: join(jdk!, 'bin', 'java'),
      args: [
        '-Xms128m',
        '-Xmx512m',
        '-XX:+ExitOnOutOfMemoryError',
        '--add-opens=java.base/java.nio=ALL-UNNAMED',
        '--add-opens=java.base/java.io=ALL-UNNAMED',
        '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
        '-Dio.netty.tryReflectionSetAccessible=true',
        '-cp',
        `${NEO4J}/classes:${NEO4J}/lib/*`,
        'Neo4jLauncher',
        join(this.dir, 'home'),
        String(this.port),
        this.availableFile,
      ],
    };
  }

  /** The launcher writes its file once the database is available; the port says Bolt listens too. */
  protected async ready(): Promise<boolean> {
    return existsSync(this.availableFile) && portOpen(this.port);
  }
}
