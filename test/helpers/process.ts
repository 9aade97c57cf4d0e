import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const mainScript = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Every log line the process wrote, parsed. */
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

/** Starts the gateway as its own process (as `npm start` does) and waits for its "listening" log line. */
export async function spawnGateway(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [mainScript], {
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs: Record<string, unknown>[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      const match = /listening on (http:\/\/\S+)\/graphql/.exec(String(entry['msg']));
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`gateway exited with ${code} before listening`)));
  });
  return { url, child, logs, exited };
}
