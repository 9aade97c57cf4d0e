import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { freshMongoUrl } from '../test/helpers/backends.js';
import { spawnGateway } from '../test/helpers/process.js';
import { uniqueName } from '../test/helpers/stack.js';
import { ratio, stopProcess } from './lib.js';
import { type Endpoint, post, seedCatalog } from './catalog-seed.js';
import { type Load, type LoadResult } from './load.js';

const CONNECTIONS = 10;
const WARMUP_SECONDS = 3;
const SECONDS = 5;
const ROUNDS = 8;

const QUERY = `query Page($project: String!) {
  objects(project: $project, first: 100) {
    nodes { objectId originalName size contentType owner status createdAt duplicateOf { objectId originalName } }
  }
}`;

interface Server extends Endpoint {
  name: string;
  pid: number;
}

/** CPU time a process has used, user and system, all its threads (Linux: ticks of 10 ms). */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
}

/** A script of bench/ in a child process; resolves with its first IPC message. */
function forkScript<T>(script: string, args: string[] = []): { child: ChildProcess; message: Promise<T> } {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, { stdio: 'inherit' });
  const message = new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, message };
}

interface Round extends LoadResult {
  /** The server's CPU time per answered request. */
  cpuMs: number;
}

async function load(server: Server, body: string, expectBody: string, seconds: number): Promise<Round> {
  const cpuBefore = await cpuSeconds(server.pid);
  const { child, message } = forkScript<LoadResult>('./load.js');
  const request: Load = {
    url: server.url,
    body,
    headers: server.headers,
    expectBody,
    connections: CONNECTIONS,
    seconds,
  };
  child.send(request);
  const result = await message;
  const cpu = (await cpuSeconds(server.pid)) - cpuBefore;
  const { non2xx, mismatches, errors } = result.failures;
  assert.ok(
    non2xx + mismatches + errors === 0,
    `failed requests to ${server.name}: ${JSON.stringify(result.failures)}`,
  );
  return { ...result, cpuMs: (cpu * 1000) / result.requests };
}

type Figures = Pick<Round, 'requestsPerSecond' | 'p50' | 'p99' | 'cpuMs'>;

/** Warms both up, then loads them in turn, ROUNDS times each: medians of each figure. */
async function measure(bare: Server, gateway: Server, body: string) {
  const bareBody = await post(bare, body);
  const gatewayBody = await post(gateway, body);
  assert.deepEqual(JSON.parse(gatewayBody), JSON.parse(bareBody), 'both servers give the same answer');
  const nodes = (JSON.parse(bareBody) as { data: { objects: { nodes: { duplicateOf: unknown }[] } } }).data
    .objects.nodes;
  assert.equal(nodes.length, 100);
  await load(bare, body, bareBody, WARMUP_SECONDS);
  await load(gateway, body, gatewayBody, WARMUP_SECONDS);
  const runs: { bare: Round[]; gateway: Round[] } = { bare: [], gateway: [] };
  for (let i = 0; i < ROUNDS; i++) {
    runs.bare.push(await load(bare, body, bareBody, SECONDS));
    runs.gateway.push(await load(gateway, body, gatewayBody, SECONDS));
  }
  const figures = (rounds: Round[]): Figures => ({
    requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    cpuMs: median(rounds.map((r) => r.cpuMs)),
  });
  return {
    bare: figures(runs.bare),
    gateway: figures(runs.gateway),
    duplicates: nodes.filter((n) => n.duplicateOf !== null).length,
    spread: runs.gateway.map((g, i) => ratio(g.requestsPerSecond, runs.bare[i]!.requestsPerSecond)),
  };
}

/** SIGKILL if the process is still there after the gateway's grace period. */
const stop = (child: ChildProcess) => stopProcess(child, 15_000);

/** What answers on the MongoDB wire: FerretDB says so in buildInfo. */
async function serverOf(mongoUrl: string): Promise<string> {
  const client = await new MongoClient(mongoUrl).connect();
  try {
    const info = await client.db().admin().command({ buildInfo: 1 });
    return info['ferretdbVersion'] ? `FerretDB ${info['ferretdbVersion']}` : `MongoDB ${info['version']}`;
  } finally {
    await client.close();
  }
}

/** One store: the gateway as its own process seeds it, the bare server reads the same data. */
async function compareOn(store: 'mongo' | 'embedded'): Promise<string[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lakegate-bench-'));
  const mongoUrl = store === 'mongo' ? freshMongoUrl() : undefined;
  const processes: ChildProcess[] = [];
  try {
    const start = async () => {
      const gw = await spawnGateway({
        DATA_DIR: dataDir,
        NODE_ENV: 'production',
        // The limiter still runs on every request; the load of one token just stays under it.
        RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000000',
        // The bare server waits for the store as long as it takes: FerretDB under this load can take
        // longer than the default 2 s deadline, which would turn answers into partial ones.
        SOURCE_TIMEOUT_MS: '30000',
        ...(mongoUrl && { MONGODB_URL: mongoUrl }),
      });
      processes.push(gw.child);
      const server = {
        url: `${gw.url}/graphql`,
        headers: { authorization: `Bearer ${gw.adminToken}` },
        pid: gw.child.pid!,
        name: 'lakegate',
      };
      return { gw, server };
    };
    const project = uniqueName('bench');
    const seeder = await start();
    await seedCatalog(seeder.server, project);
    // Measured after a restart, like the bare server: both serve a store filled before they started.
    await stop(seeder.gw.child);
    const { gw, server: gateway } = await start();

    // The embedded journal belongs to one process: the bare server reads a copy of it.
    let target = mongoUrl;
    if (!target) {
      target = join(dataDir, 'bare');
      await mkdir(target);
      await copyFile(join(dataDir, 'catalog', 'catalog.jsonl'), join(target, 'catalog.jsonl'));
    }
    const bareServer = forkScript<{ url: string }>('./bare-server.js', [target]);
    processes.push(bareServer.child);
    const bare = {
      name: 'bare',
      url: (await bareServer.message).url,
      headers: {},
      pid: bareServer.child.pid!,
    };

    const body = JSON.stringify({ query: QUERY, variables: { project } });
    // spawnGateway keeps every log line it reads: a line a request adds up under load.
    const logs = setInterval(() => (gw.logs.length = 0), 1000);
    const m = await measure(bare, gateway, body).finally(() => clearInterval(logs));
    const row = (name: string, f: Figures) =>
      `| ${name} | ${Math.round(f.requestsPerSecond)} | ${f.p50.toFixed(2)} | ${f.p99.toFixed(2)} | ${f.cpuMs.toFixed(2)} |`;
    const { bare: b, gateway: g } = m;
    return [
      `| ${mongoUrl ? `MongoDB wire (${await serverOf(mongoUrl)})` : 'embedded catalog'} | req/s | p50 ms | p99 ms | server CPU ms per request |`,
      '| --- | --- | --- | --- | --- |',
      row('bare graphql-js over node:http', b),
      row('lakegate (bearer token, limits, logging)', g),
      `| lakegate ÷ bare | **${ratio(g.requestsPerSecond, b.requestsPerSecond)}** | ${ratio(g.p50, b.p50)} | ${ratio(g.p99, b.p99)} | ${ratio(g.cpuMs, b.cpuMs)} |`,
      '',
      `Page of 100 objects (${m.duplicates} with duplicateOf), ${CONNECTIONS} connections, median of ${ROUNDS} interleaved rounds of ${SECONDS} s; req/s ratio per round: ${m.spread.join(', ')}.`,
      '',
    ];
  } finally {
    await Promise.all(processes.map(stop));
    if (mongoUrl) {
      const client = await new MongoClient(mongoUrl).connect();
      await client.db().dropDatabase();
      await client.close();
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function packageVersion(name: string): Promise<string> {
  const file = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
  return `${name} ${(JSON.parse(await readFile(file, 'utf8')) as { version: string }).version}`;
}

export async function overheadBenchmarks(): Promise<string[]> {
  const lines = [...(await compareOn('mongo')), ...(await compareOn('embedded'))];
  const names = ['graphql', '@apollo/server', 'express', 'type-graphql', 'mongodb', 'autocannon'];
  const versions = await Promise.all(names.map(packageVersion));
  return [`${versions.join(', ')}.`, '', ...lines];
}
