import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { print } from 'graphql';
import { MongoClient } from 'mongodb';
import { CreateProjectDocument, UploadFileDocument } from '../test/generated/graphql.js';
import { freshMongoUrl } from '../test/helpers/backends.js';
import { spawnGateway } from '../test/helpers/process.js';
import { uniqueName } from '../test/helpers/stack.js';
import { ratio } from './lib.js';
import { type Load, type LoadResult } from './load.js';

const OBJECTS = 120;
const CONNECTIONS = 10;
const WARMUP_SECONDS = 3;
const SECONDS = 8;
const ROUNDS = 5;

export const QUERY = `query Page($project: String!) {
  objects(project: $project, first: 100) {
    nodes { objectId originalName size contentType owner status createdAt duplicateOf { objectId originalName } }
  }
}`;

interface Server {
  url: string;
  headers: Record<string, string>;
  pid: number;
}

/** CPU time a process has used, user and system, all its threads (Linux: ticks of 10 ms). */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A script of bench/ in a child process; resolves with its first IPC message. */
function forkScript<T>(script: string, args: string[] = []): { child: ChildProcess; message: Promise<T> } {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, { stdio: 'inherit' });
  const message = new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, message };
}

async function post(server: Server, body: string): Promise<string> {
  const res = await fetch(server.url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...server.headers },
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return text;
}

/**
 * One object in four repeats the content of an earlier one, so the newest 100 (objects 21 to 120) have
 * duplicateOf pointing both inside the page (24 … 40) and at older objects outside it (4 … 20).
 */
export async function seed(gateway: Server, project: string): Promise<void> {
  const created = await post(
    gateway,
    JSON.stringify({ query: print(CreateProjectDocument), variables: { name: project } }),
  );
  assert.equal((JSON.parse(created) as { errors?: unknown }).errors, undefined, created);
  const types = ['text/plain', 'text/csv', 'application/json'];
  for (let i = 1; i <= OBJECTS; i++) {
    const same = i % 4 === 0 ? i % 40 : i;
    const type = types[i % 3]!;
    const form = new FormData();
    const variables = { project, file: null, metadata: { owner: ['ana', 'ben', 'carla'][i % 3] } };
    form.append('operations', JSON.stringify({ query: print(UploadFileDocument), variables }));
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([`content ${same}\n`], { type }), `file-${i}.${type.split('/')[1]}`);
    const res = await fetch(gateway.url, {
      method: 'POST',
      body: form,
      headers: { 'apollo-require-preflight': 'true', ...gateway.headers },
    });
    const body = (await res.json()) as { errors?: unknown };
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  }
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
    `failures at ${server.url}: ${JSON.stringify(result.failures)}`,
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

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** One store: the gateway as its own process seeds it, the bare server reads the same data. */
export async function compareOn(store: 'mongo' | 'embedded'): Promise<string[]> {
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
        ...(mongoUrl && { MONGODB_URL: mongoUrl }),
      });
      processes.push(gw.child);
      const server = {
        url: `${gw.url}/graphql`,
        headers: { authorization: `Bearer ${gw.adminToken}` },
        pid: gw.child.pid!,
      };
      return { gw, server };
    };
    const project = uniqueName('bench');
    const seeder = await start();
    await seed(seeder.server, project);
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
    const bare = { url: (await bareServer.message).url, headers: {}, pid: bareServer.child.pid! };

    const body = JSON.stringify({ query: QUERY, variables: { project } });
    const logs = setInterval(() => (gw.logs.length = 0), 1000);
    const m = await measure(bare, gateway, body).finally(() => clearInterval(logs));
    const row = (name: string, f: Figures) =>
      `| ${name} | ${Math.round(f.requestsPerSecond)} | ${f.p50.toFixed(2)} | ${f.p99.toFixed(2)} | ${f.cpuMs.toFixed(2)} |`;
    const { bare: b, gateway: g } = m;
    return [
      `| ${store === 'mongo' ? 'MongoDB wire (FerretDB)' : 'embedded catalog'} | req/s | p50 ms | p99 ms | server CPU ms per request |`,
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

export async function overheadBenchmarks(): Promise<string[]> {
  return [...(await compareOn('mongo')), ...(await compareOn('embedded'))];
}
