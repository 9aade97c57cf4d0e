import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./ws-events-client.js', import.meta.url));

export interface EventsClient {
  child: ChildProcess;
  /** Every line it printed so far. */
  lines: string[];
  /** Resolves once a printed line matches. */
  until(match: (line: string) => boolean): Promise<string>;
  /** The event sequences it printed, in order. */
  sequences(): number[];
  stop(): Promise<void>;
}

/** Starts ws-events-client.js as its own process, following `project`'s events with `token`. */
export function spawnEventsClient(wsUrl: string, project: string, token: string): EventsClient {
  const child = spawn(process.execPath, [script, wsUrl, project], {
    env: { PATH: process.env['PATH'] ?? '', LAKEGATE_TOKEN: token },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    waiters.forEach((w) => w());
  });
  return {
    child,
    lines,
    until: (match) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(match);
          if (found !== undefined) {
            waiters.delete(check);
            resolve(found);
          } else if (child.exitCode !== null) {
            reject(new Error(`the client exited with ${child.exitCode}; it printed ${lines.join(' | ')}`));
          }
        };
        waiters.add(check);
        void exited.then(check);
        check();
      }),
    sequences: () => lines.filter((l) => /^\d+$/.test(l)).map(Number),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT'); // a stopped process only acts on SIGTERM once continued
        child.kill('SIGTERM');
      }
      await exited;
    },
  };
}
