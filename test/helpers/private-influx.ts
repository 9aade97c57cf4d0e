import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { tiedToThisProcess } from './private-server.js';

const BIN = join(
  process.env['LAKEGATE_STACK_HOME'] ?? join(homedir(), '.cache', 'lakegate-stack'),
  'bin',
  'influxd',
);

/**
 * An InfluxDB of the test stack's build on a port and data folder of its own, so a test can stop it and
 * start it again (on the same data) without disturbing the shared one.
 */
export class PrivateInflux {
  readonly port = 18086 + Math.floor(Math.random() * 500);
  readonly url = `http://127.0.0.1:${this.port}`;
  readonly token = 'private-influx-token';
  readonly org = 'lakegate';
  readonly bucket = 'lakegate';
  private readonly dir = mkdtempSync(join(tmpdir(), 'influx-'));
  private child: ChildProcess | null = null;

  env(): Record<string, string> {
    return { INFLUX_URL: this.url, INFLUX_TOKEN: this.token, INFLUX_ORG: this.org };
  }

  async start(): Promise<void> {
    this.child = spawn(
      ...tiedToThisProcess(BIN, [
        `--http-bind-address=127.0.0.1:${this.port}`,
        `--bolt-path=${this.dir}/influxd.bolt`,
        `--sqlite-path=${this.dir}/influxd.sqlite`,
        `--engine-path=${this.dir}/engine`,
        '--reporting-disabled',
        '--log-level=error',
      ]),
      { env: { ...process.env, INFLUXD_CONFIG_PATH: this.dir }, stdio: 'ignore' },
    );
    const deadline = Date.now() + 30_000;
    while (
      !(await fetch(`${this.url}/health`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline) throw new Error('private InfluxDB did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const setup = (await (await fetch(`${this.url}/api/v2/setup`)).json()) as { allowed: boolean };
    if (setup.allowed) {
      const res = await fetch(`${this.url}/api/v2/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          username: 'lakegate',
          password: 'lakegate-secret',
          org: this.org,
          bucket: this.bucket,
          token: this.token,
        }),
      });
      if (!res.ok) throw new Error(`private InfluxDB setup answered ${res.status}`);
    }
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await once(this.child, 'exit');
    this.child = null;
  }
}
