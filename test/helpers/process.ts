import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mintToken } from '../../src/auth/tokens.js';
import { TEST_SECRET } from './gateway.js';

const mainScript = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Every log line the process wrote, parsed. */
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
  /** A platform admin's token for it (when it verifies with a secret). */
  adminToken: string;
}

/**
 * Starts the gateway as its own process (as `npm start` does) and waits for its "listening" log line;
 * it takes tokens signed with TEST_SECRET unless `env` says otherwise.
 */
export async function spawnGateway(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [mainScript], {
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: '0',
      LOG_LEVEL: 'info',
      AUTH_JWT_SECRET: TEST_SECRET,
      ...env,
    },
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
  const secret = env['AUTH_JWKS_URL'] ? undefined : (env['AUTH_JWT_SECRET'] ?? TEST_SECRET);
  const adminToken = secret
    ? await mintToken(
        { secret, issuer: env['AUTH_ISSUER'] ?? 'lakegate', audience: env['AUTH_AUDIENCE'] ?? 'lakegate' },
        { subject: 'test-admin', admin: true, expiresIn: '6h' },
      )
    : '';
  return { url, child, logs, exited, adminToken };
}
