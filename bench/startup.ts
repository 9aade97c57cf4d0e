import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshMongoUrl } from '../test/helpers/backends.js';
import { TEST_SECRET } from '../test/helpers/gateway.js';
import { stackUrl } from '../test/helpers/stack.js';
import { MIB, ratio } from './lib.js';

const ROUNDS = 5;
const REST_MS = 10_000;
const mainScript = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** What the baseline is: node:http listening, with no framework and nothing to connect to. */
const BARE = `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () {
  console.log('listening on http://127.0.0.1:' + this.address().port + '/graphql');
});`;

interface Start {
  /** Spawn to the "listening" line. */
  listening: number;
  /** Spawn to the first /readyz (or, for the baseline, any) 200. */
  ready: number;
  /** Resident memory after REST_MS idle once ready. */
  rssAtRest: number;
}

async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

async function startOnce(args: string[], env: Record<string, string>, readyPath: string): Promise<Start> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        const match = /listening on (http:\/\/\S+)\/graphql/.exec(chunk.toString());
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code} before listening`)));
    });
    const listening = performance.now() - started;
    while ((await fetch(`${url}${readyPath}`).catch(() => null))?.status !== 200) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const ready = performance.now() - started;
    await new Promise((r) => setTimeout(r, REST_MS));
    return { listening, ready, rssAtRest: await rss(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function medianStart(args: string[], env: () => Promise<Record<string, string>>, readyPath: string) {
  const runs: Start[] = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await startOnce(args, await env(), readyPath));
  return {
    listening: median(runs.map((r) => r.listening)),
    ready: median(runs.map((r) => r.ready)),
    rssAtRest: median(runs.map((r) => r.rssAtRest)),
  };
}

/** Cold start to ready and memory at rest: embedded defaults, the full stack, and a bare node:http server. */
export async function startupBenchmarks(): Promise<string[]> {
  const embedded = () =>
    mkdtemp(join(tmpdir(), 'bench-start-')).then((dir) => ({ DATA_DIR: dir, AUTH_JWT_SECRET: TEST_SECRET }));
  const fullStack = async () => ({
    ...(await embedded()),
    S3_URL: stackUrl('MINIO_S3_URL'),
    MONGODB_URL: freshMongoUrl(),
    INFLUX_URL: stackUrl('INFLUX_URL'),
    INFLUX_TOKEN: process.env['INFLUX_TOKEN'] ?? '',
    INFLUX_ORG: process.env['INFLUX_ORG'] ?? '',
    NEO4J_URL: stackUrl('NEO4J_URL'),
    CASSANDRA_URL: stackUrl('CASSANDRA_URL'),
    REDIS_URL: stackUrl('REDIS_URL'),
    AIRFLOW_URL: stackUrl('AIRFLOW_URL'),
  });
  const bare = await medianStart(['-e', BARE], async () => ({}), '/');
  const rows = [
    { name: 'bare `node:http` server (baseline)', ...bare },
    { name: 'lakegate, embedded defaults', ...(await medianStart([mainScript], embedded, '/readyz')) },
    { name: 'lakegate, full stack (7 stores)', ...(await medianStart([mainScript], fullStack, '/readyz')) },
  ];
  const ms = (v: number) => Math.round(v);
  return [
    `Median of ${ROUNDS} cold starts each (a new process every time); memory read ${REST_MS / 1000} s after ready.`,
    '',
    '| Process | start → listening (ms) | start → ready (ms) | ratio to bare | RSS at rest (MiB) | ratio to bare |',
    '| ------- | ---------------------- | ------------------ | ------------- | ----------------- | ------------- |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${ms(r.listening)} | ${ms(r.ready)} | ${ratio(r.ready, bare.ready)} | ${(r.rssAtRest / MIB).toFixed(1)} | ${ratio(r.rssAtRest, bare.rssAtRest)} |`,
    ),
  ];
}
