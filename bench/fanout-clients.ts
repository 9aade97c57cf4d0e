// Many WebSocket clients in one process, kept cheap so that they are not what limits the benchmark:
// plain TCP sockets with a minimal frame parser, no per-message objects, latency read from the `bytes`
// field (the event's scheduled publish time) and counted in 1 ms buckets.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { type Socket } from 'node:net';
import { type ClientCommand, type ClientReport, PROJECT, QUERY } from './fanout-shared.js';

const SCHEDULED = Buffer.from('"bytes":');
const MAX_LATENCY_MS = 120_000;

let latencies = new Uint32Array(MAX_LATENCY_MS + 1);
let received = 0;
let other = 0;
let lastAt = 0;
let sample = '';
const sockets: Socket[] = [];
/** Events each socket received since it connected. */
const counts: number[] = [];

/** A masked text (or pong) frame, as a client must send. */
function frame(payload: Buffer, opcode = 0x1): Buffer {
  const mask = randomBytes(4);
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x80 | opcode, 0x80 | length])
      : Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff]);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([header, mask, body]);
}

const send = (socket: Socket, message: unknown) => socket.write(frame(Buffer.from(JSON.stringify(message))));

function onEvent(socket: number, data: Buffer, start: number, end: number): void {
  let i = data.indexOf(SCHEDULED, start);
  if (i < 0 || i >= end) {
    other++;
    if (!sample) sample = data.toString('utf8', start, end);
    return;
  }
  let scheduledAt = 0;
  for (i += SCHEDULED.length; data[i]! >= 0x30 && data[i]! <= 0x39; i++)
    scheduledAt = scheduledAt * 10 + data[i]! - 0x30;
  const now = Date.now();
  latencies[Math.min(Math.max(now - scheduledAt, 0), MAX_LATENCY_MS)]!++;
  received++;
  counts[socket]!++;
  lastAt = now;
  if (!sample) sample = data.toString('utf8', start, end);
}

/** Opens one socket; resolves once it is ready to receive events. */
function connect(url: string, graphql: boolean, token: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${graphql ? '/graphql' : '/'}`, {
      agent: false,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        ...(graphql ? { 'sec-websocket-protocol': 'graphql-transport-ws' } : {}),
      },
    });
    req.once('error', reject);
    req.once('response', (res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    req.once('upgrade', (_res, socket, head) => {
      const index = sockets.push(socket) - 1;
      counts[index] = 0;
      socket.setNoDelay(true);
      let pending: Buffer = head;
      let acknowledged = !graphql;
      if (acknowledged) resolve();
      else send(socket, { type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
      const onData = (chunk: Buffer) => {
        const data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
        let offset = 0;
        for (;;) {
          if (data.length - offset < 2) break;
          const opcode = data[offset]! & 0x0f;
          let length = data[offset + 1]! & 0x7f;
          let start = offset + 2;
          if (length === 126) {
            if (data.length - offset < 4) break;
            length = data.readUInt16BE(offset + 2);
            start = offset + 4;
          } else if (length === 127) {
            if (data.length - offset < 10) break;
            length = Number(data.readBigUInt64BE(offset + 2));
            start = offset + 10;
          }
          const end = start + length;
          if (end > data.length) break;
          if (opcode === 0x1 && acknowledged) onEvent(index, data, start, end);
          else if (opcode === 0x1) {
            const message = JSON.parse(data.toString('utf8', start, end)) as { type: string };
            if (message.type !== 'connection_ack') return reject(new Error(JSON.stringify(message)));
            acknowledged = true;
            send(socket, {
              id: '1',
              type: 'subscribe',
              payload: { query: QUERY, variables: { project: PROJECT } },
            });
            resolve();
          } else if (opcode === 0x9) socket.write(frame(data.subarray(start, end), 0xa));
          else if (opcode === 0x8) socket.end();
          offset = end;
        }
        pending = offset === data.length ? Buffer.alloc(0) : data.subarray(offset);
      };
      socket.on('data', onData);
      if (head.length > 0) onData(Buffer.alloc(0));
      socket.on('error', () => {});
    });
    req.end();
  });
}

process.on('message', (command: ClientCommand) => {
  void (async () => {
    if ('connect' in command) {
      const { url, clients, graphql, tokens } = command.connect;
      for (let i = 0; i < clients; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, clients - i) }, (_, j) => connect(url, graphql, tokens[i + j])),
        );
      }
      process.send!({ ready: sockets.length });
    } else if ('reset' in command) {
      latencies = new Uint32Array(MAX_LATENCY_MS + 1);
      received = other = lastAt = 0;
      sample = '';
      process.send!({ reset: true });
    } else {
      const pairs: [number, number][] = [];
      latencies.forEach((count, ms) => count > 0 && pairs.push([ms, count]));
      const silent = counts.filter((n) => n === 0).length;
      process.send!({ received, other, silent, lastAt, latencies: pairs, sample } satisfies ClientReport);
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
for (const event of ['disconnect', 'SIGTERM']) process.on(event, () => process.exit(0));
