import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  type Launch,
  PrivateServer,
  probe,
  REPO_ROOT,
  STACK_HOME,
  stackShell,
} from './private-server.js';

const CASSANDRA = join(STACK_HOME, 'cassandra');
const TEMPLATES = join(REPO_ROOT, 'scripts', 'stack', 'cassandra');

/**
 * A one-node Cassandra of the test stack's build and config (scripts/stack/cassandra), in a cluster of
 * its own, with its own storage and native ports and a 512 MiB heap. A first start takes tens of seconds:
 * start it once per test file.
 */
export class PrivateCassandra extends PrivateServer {
  private nativePort = 0;
  private storagePort = 0;

  constructor() {
    super('cassandra', 240_000);
  }

  env(): Record<string, string> {
    return { CASSANDRA_URL: `cassandra://127.0.0.1:${this.nativePort}/?dc=datacenter1` };
  }

  protected async launch(): Promise<Launch> {
    this.nativePort ||= await freePort();
    this.storagePort ||= await freePort();
    this.writeConfig();
    // The JDK, whether the stack drops mlock (as root), and the module flags of jvm17-server.options.
    const [jdk, dropMlock, ...moduleFlags] = await stackShell(
      'load_service cassandra && jdk17 && { cassandra_can_drop_mlock && echo yes || echo no; } && cassandra_module_flags',
    );
    const java = [
      join(jdk!, 'bin', 'java'),
      '-Xms512m',
      '-Xmx512m',
      '-XX:+ExitOnOutOfMemoryError',
      `-javaagent:${jammJar()}`,
      ...moduleFlags,
      '-Djdk.attach.allowAttachSelf=true',
      '-Dio.netty.tryReflectionSetAccessible=true',
      `-Dcassandra.config=file://${this.dir}/conf/cassandra.yaml`,
      '-Dcassandra-foreground=yes',
      `-Dcassandra.storagedir=${this.dir}`,
      `-Dcassandra.triggers_dir=${this.dir}/triggers`,
      '-Dcassandra.skip_wait_for_gossip_to_settle=0',
      '-cp',
      `${this.dir}/conf:${CASSANDRA}/lib/*`,
      'org.apache.cassandra.service.CassandraDaemon',
    ];
    const [command, ...args] = dropMlock === 'yes' ? ['setpriv', '--bounding-set=-ipc_lock', ...java] : java;
    return { command: command!, args };
  }

  protected async ready(): Promise<boolean> {
    return probe(process.execPath, ['scripts/stack/cassandra/cql-ping.mjs', String(this.nativePort)]);
  }

  /** The stack's config with this node's folders and ports, in a cluster of its own (no gossip with the stack's). */
  private writeConfig(): void {
    mkdirSync(join(this.dir, 'conf'), { recursive: true });
    mkdirSync(join(this.dir, 'triggers'), { recursive: true });
    const yaml = readFileSync(join(TEMPLATES, 'cassandra.yaml'), 'utf8')
      .replaceAll('@STORAGE@', this.dir)
      .replace(/^cluster_name: .*$/m, 'cluster_name: lakegate-private')
      .replace(/^storage_port: \d+$/m, `storage_port: ${this.storagePort}`)
      .replace(/^native_transport_port: \d+$/m, `native_transport_port: ${this.nativePort}`)
      .replace(/'127\.0\.0\.1:7000'/, `'127.0.0.1:${this.storagePort}'`);
    writeFileSync(join(this.dir, 'conf', 'cassandra.yaml'), yaml);
    copyFileSync(join(TEMPLATES, 'logback.xml'), join(this.dir, 'conf', 'logback.xml'));
  }
}

function jammJar(): string {
  const lib = join(CASSANDRA, 'lib');
  const jar = readdirSync(lib).find((f) => /^jamm-.*\.jar$/.test(f));
  if (!jar) throw new Error(`no jamm jar in ${lib}: run scripts/stack/up cassandra`);
  return join(lib, jar);
}
