import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Where the test stack keeps the programs it installed. */
export const STACK_HOME = process.env['LAKEGATE_STACK_HOME'] ?? join(homedir(), '.cache', 'lakegate-stack');

/** The repository, seen from dist/test/helpers. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Runs a snippet of bash with the stack's helpers (scripts/stack/lib.sh) loaded; its output, line by line. */
export async function stackShell(snippet: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    'bash',
    ['-c', `source scripts/stack/lib.sh >/dev/null && ${snippet}`],
    { cwd: REPO_ROOT },
  );
  return stdout.split('\n').filter(Boolean);
}

/** Whether something accepts TCP connections on the port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.once('close', () => resolve(false));
    socket.once('connect', () => socket.end());
  });
}

/** Whether a probe command (a ping) exits 0. */
export function probe(command: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) =>
    execFile(command, args, { cwd: REPO_ROOT, timeout: 5000 }, (error) => resolve(error === null)),
  );
}

let setpriv: boolean | undefined;

/**
 * The command line of a server that must die with this process, even when a test runner kills it on a
 * timeout (no exit handler runs then): setpriv gives it a parent-death signal.
 */
export function tiedToThisProcess(command: string, args: string[]): [string, string[]] {
  setpriv ??= spawnSync('setpriv', ['--version']).status === 0;
  return setpriv ? ['setpriv', ['--pdeathsig', 'KILL', command, ...args]] : [command, args];
}

export interface Launch {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/**
 * A server of the test stack's build that a test runs itself, on ports and a data folder of its own, so
 * it can stop it and start it again on the same data without disturbing the shared one. Its output goes
 * to `server.log` in its folder.
 */
export abstract class PrivateServer {
  readonly dir: string;
  private child: ChildProcess | null = null;

  constructor(
    readonly label: string,
    private readonly startTimeoutMs = 120_000,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `private-${label}-`));
  }

  /** The gateway's env variables for this server. */
  abstract env(): Record<string, string>;
  /** The command line; called at each start (ports are chosen at the first). */
  protected abstract launch(): Promise<Launch>;
  /** Whether the server answers a real request. */
  protected abstract ready(): Promise<boolean>;

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the server and resolves once it answers. */
  async start(): Promise<void> {
    if (this.child) return;
    const { command, args, env } = await this.launch();
    const log = openSync(join(this.dir, 'server.log'), 'a');
    const child = spawn(...tiedToThisProcess(command, args), {
      env: { ...process.env, ...env },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    let exited = false;
    child.once('exit', () => (exited = true));
    const deadline = Date.now() + this.startTimeoutMs;
    while (!(await this.ready().catch(() => false))) {
      if (exited) {
        this.child = null;
        throw new Error(`private ${this.label} exited during start-up; see ${this.dir}/server.log`);
      }
      if (Date.now() > deadline) throw new Error(`private ${this.label} did not answer in time`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Stops the server as a service manager would (SIGTERM, SIGKILL after 30 s) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(timer);
  }

  /** Stops the server for good and deletes its data. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
