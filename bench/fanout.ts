// Subscription fan-out: 1,000 graphql-ws subscribers of one project's ingestion events while the
// gateway publishes 1,000 events a second, against a plain `ws` server broadcasting the same bytes (as
// is, and with its writes coalesced like the gateway's). Server and clients each run in their own
// process, started afresh for every round; rounds alternate between the sides.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken } from '../src/auth/tokens.js';
import { TEST_SECRET } from '../test/helpers/gateway.js';
import {
  type ClientCommand,
  type ClientReport,
  PROJECT,
  type PublishCommand,
  type PublishReport,
} from './fanout-shared.js';
import { stopProcess } from './lib.js';

const CLIENTS = 1000;
/** Events per second: the issue's load, then one this machine's baseline keeps up with. */
const RATES = [1000, 20];
const SECONDS = 2;
const ROUNDS = 3;
/** A light first burst (JIT, connections) whose messages are not counted. */
const WARMUP = { rate: 50, seconds: 1 };
/** How long delivery may go on after the last publish; what has not arrived by then is not delivered. */
const DRAIN_MS = 2000;
/** Linux's USER_HZ, the unit of /proc/<pid>/stat times. */
const CLOCK_TICKS = 100;

/** A plain broadcast, one with writes coalesced per socket, and the gateway. */
type Side = 'broadcast' | 'coalesce' | 'lakegate';
const SIDES: Side[] = ['broadcast', 'coalesce', 'lakegate'];

interface Round {
  expected: number;
  received: number;
  other: number;
  perSecond: number;
  /** Server CPU time per delivered message, in µs: steadier than the rates on a shared machine. */
  cpuMicros: number;
  /** Events the server published in the time given (an overloaded publisher falls behind); null: no answer. */
  published: number | null;
  p50: number;
  p99: number;
  bytes: number;
}

const script = (name: string) => new URL(`./${name}.js`, import.meta.url);

function start(name: string, args: string[] = []): ChildProcess {
  return fork(script(name), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

/** Sends `command` (if any) and resolves with the child's next message that has `key`. */
function ask<T>(child: ChildProcess, key: string, command?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>) => {
      if (!(key in message)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) => reject(new Error(`a benchmark process exited with ${code}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (command) child.send(command);
  });
}

/** Its processes exit at once on SIGTERM; SIGKILL when one is too busy to get to it. */
const stop = (child: ChildProcess) => stopProcess(child, 5000);

/**
 * Waits until every published message arrived (once the server says how many it published), or nothing
 * more arrived for 2 s, or `until`. The window is kept by this process: a saturated server answers late.
 */
async function settle(clients: ChildProcess, published: () => number, until: number): Promise<ClientReport> {
  const report = () => ask<ClientReport>(clients, 'received', { report: true } satisfies ClientCommand);
  let last = await report();
  let quietSince = Date.now();
  while (
    last.received + last.other < published() * CLIENTS &&
    Date.now() < until &&
    Date.now() - quietSince < 2000
  ) {
    await new Promise((r) => setTimeout(r, 100));
    const next = await report();
    if (next.received !== last.received) quietSince = Date.now();
    last = next;
  }
  return last;
}

/** CPU time a process used so far (user and system), read from outside: a busy process answers late. */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/**
 * Publishes and counts what arrives until the publishing time plus `drainMs` is over. The server's
 * count of published events is null when it did not answer by then.
 */
async function measure(
  server: ChildProcess,
  clients: ChildProcess,
  publish: PublishCommand['publish'],
  drainMs: number,
): Promise<{ startedAt: number; published: number | null; report: ClientReport; cpuMs: number }> {
  let published: number | null = null;
  const cpuBefore = await cpuMs(server.pid!);
  const startedAt = Date.now();
  void ask<PublishReport>(server, 'published', { publish } satisfies PublishCommand).then(
    (r) => (published = r.published),
    () => {},
  );
  const until = startedAt + publish.seconds * 1000 + drainMs;
  const report = await settle(clients, () => published ?? Infinity, until);
  return { startedAt, published, report, cpuMs: (await cpuMs(server.pid!)) - cpuBefore };
}

function percentile(pairs: [number, number][], total: number, p: number): number {
  let seen = 0;
  for (const [ms, count] of pairs) {
    seen += count;
    if (seen >= total * p) return ms;
  }
  return NaN;
}

async function round(side: Side, rate: number): Promise<Round> {
  const dataDir = side === 'lakegate' ? mkdtempSync(join(tmpdir(), 'lakegate-fanout-')) : null;
  const server = dataDir ? start('fanout-gateway', [dataDir]) : start('fanout-broadcast', [side]);
  const clients = start('fanout-clients');
  try {
    const began = Date.now();
    const { url } = await ask<{ url: string }>(server, 'url');
    const listening = Date.now();
    const settings = { secret: TEST_SECRET, issuer: 'lakegate', audience: 'lakegate' };
    const tokens =
      side === 'lakegate'
        ? await Promise.all(
            Array.from({ length: CLIENTS }, (_, i) =>
              mintToken(settings, {
                subject: `viewer-${i}`,
                projects: { [PROJECT]: 'viewer' },
                expiresIn: '1h',
              }),
            ),
          )
        : [];
    const connect = { url, clients: CLIENTS, graphql: side === 'lakegate', tokens };
    await ask(clients, 'ready', { connect } satisfies ClientCommand);
    const connected = Date.now();
    for (let silent = CLIENTS, tries = 0; silent > 0; tries++) {
      if (tries === 10) throw new Error(`${silent} subscribers received nothing`);
      silent = (await measure(server, clients, WARMUP, 10_000)).report.silent;
    }
    await ask(clients, 'reset', { reset: true } satisfies ClientCommand);
    const warm = Date.now();
    const { startedAt, published, report, cpuMs } = await measure(
      server,
      clients,
      { rate, seconds: SECONDS },
      DRAIN_MS,
    );
    const result: Round = {
      expected: Math.round(rate * SECONDS) * CLIENTS,
      received: report.received,
      other: report.other,
      perSecond: report.received / ((report.lastAt - startedAt) / 1000),
      cpuMicros: (cpuMs * 1000) / report.received,
      published,
      p50: percentile(report.latencies, report.received, 0.5),
      p99: percentile(report.latencies, report.received, 0.99),
      bytes: Buffer.byteLength(report.sample),
    };
    const setup = `start ${listening - began} ms, connect ${connected - listening} ms, warm-up ${warm - connected} ms`;
    console.error(`fanout ${side} at ${rate}/s: ${JSON.stringify(result)}; ${setup}`);
    return result;
  } finally {
    await Promise.all([stop(clients), stop(server)]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const int = (n: number) => Math.round(n).toLocaleString('en-US');

const NAMES: Record<Side, string> = {
  broadcast: 'plain `ws` broadcast: each event serialised once, one send per socket',
  coalesce: 'the same, sends within one event-loop turn coalesced per socket',
  lakegate: 'lakegate `ingestionEvents` over graphql-ws',
};

function table(rate: number, rounds: Record<Side, Round[]>): string[] {
  const summary = (rs: Round[]) => ({
    received: median(rs.map((r) => r.received)),
    perSecond: median(rs.map((r) => r.perSecond)),
    cpuMicros: median(rs.map((r) => r.cpuMicros)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
  });
  const plain = summary(rounds.broadcast).perSecond;
  const coalesced = summary(rounds.coalesce).perSecond;
  const x = (n: number) => n.toFixed(2);
  const row = (side: Side) => {
    const s = summary(rounds[side]);
    const toPlain = side === 'lakegate' ? `**${x(s.perSecond / plain)}**` : x(s.perSecond / plain);
    const cells = [int(s.received), int(s.perSecond), s.cpuMicros.toFixed(1), s.p50, s.p99, toPlain];
    return `| ${NAMES[side]} | ${cells.join(' | ')} | ${x(s.perSecond / coalesced)} |`;
  };
  const detail = (side: Side) =>
    `- ${side}: ${rounds[side]
      .map(
        (r) =>
          `${int(r.perSecond)}/s, ${r.cpuMicros.toFixed(1)} µs, ${r.p50}, ${r.p99} ms, ${r.published ?? 'no answer'}`,
      )
      .join('; ')}`;
  const all = Object.values(rounds).flat();
  const others = all.reduce((n, r) => n + r.other, 0);
  return [
    `| ${int(CLIENTS)} subscribers, ${int(rate)} events/s for ${SECONDS} s: ${int(all[0]!.expected)} messages (median of ${ROUNDS}) | delivered | delivered msg/s | server CPU µs/msg | p50 ms | p99 ms | ratio to plain | ratio to coalesced |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...SIDES.map(row),
    '',
    'Each round (delivered msg/s, server CPU per message, p50, p99, events published of those scheduled, or no answer when the server was too busy to report in time):',
    '',
    ...SIDES.map(detail),
    `- message sizes: ${SIDES.map((side) => `${side} ${rounds[side][0]!.bytes} B`).join(', ')}; messages that were not an event: ${others}`,
    '',
  ];
}

export async function fanoutBenchmarks(): Promise<string[]> {
  const lines: string[] = [];
  for (const rate of RATES) {
    const rounds: Record<Side, Round[]> = { broadcast: [], coalesce: [], lakegate: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const side of SIDES) rounds[side].push(await round(side, rate));
    }
    lines.push(...table(rate, rounds));
  }
  return lines;
}
