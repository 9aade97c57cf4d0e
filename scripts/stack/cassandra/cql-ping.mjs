// Readiness probe for Cassandra without a driver: STARTUP then one real query over the native
// protocol (v4), printing release_version. Usage: node cql-ping.mjs [port]  (exit 0 when it answers)
import { Buffer } from 'node:buffer';
import net from 'node:net';
import process from 'node:process';

const port = Number(process.argv[2] ?? 9042);
const OP = { ERROR: 0x00, STARTUP: 0x01, READY: 0x02, QUERY: 0x07, RESULT: 0x08 };

function frame(stream, opcode, body) {
  const head = Buffer.alloc(9);
  head.writeUInt8(0x04, 0);
  head.writeInt16BE(stream, 2);
  head.writeUInt8(opcode, 4);
  head.writeInt32BE(body.length, 5);
  return Buffer.concat([head, body]);
}

function shortString(s) {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function startupBody() {
  const count = Buffer.alloc(2);
  count.writeUInt16BE(1);
  return Buffer.concat([count, shortString('CQL_VERSION'), shortString('3.0.0')]);
}

function queryBody(cql) {
  const q = Buffer.from(cql, 'utf8');
  const len = Buffer.alloc(4);
  len.writeInt32BE(q.length);
  // consistency ONE, no flags
  return Buffer.concat([len, q, Buffer.from([0x00, 0x01, 0x00])]);
}

// Rows result with one text column: returns the first row's value.
function firstValue(body) {
  let at = 0;
  const int = () => {
    at += 4;
    return body.readInt32BE(at - 4);
  };
  const skipString = () => {
    at += 2 + body.readUInt16BE(at);
  };
  if (int() !== 2) throw new Error('not a Rows result');
  const flags = int();
  const columns = int();
  if (flags & 0x0001) {
    skipString();
    skipString();
  }
  for (let i = 0; i < columns; i++) {
    if (!(flags & 0x0001)) {
      skipString();
      skipString();
    }
    skipString();
    at += 2;
  }
  if (int() < 1) throw new Error('no rows');
  const len = int();
  return body.toString('utf8', at, at + len);
}

function errorText(body) {
  return `error 0x${body.readInt32BE(0).toString(16)}: ${body.toString('utf8', 6, 6 + body.readUInt16BE(4))}`;
}

function ping() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    socket.setTimeout(3000, () => socket.destroy(new Error('timeout')));
    socket.on('error', reject);
    socket.on('connect', () => socket.write(frame(0, OP.STARTUP, startupBody())));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 9 && buf.length >= 9 + buf.readInt32BE(5)) {
        const opcode = buf.readUInt8(4);
        const body = buf.subarray(9, 9 + buf.readInt32BE(5));
        buf = buf.subarray(9 + body.length);
        if (opcode === OP.READY) {
          socket.write(frame(1, OP.QUERY, queryBody('SELECT release_version FROM system.local')));
        } else if (opcode === OP.RESULT) {
          socket.end();
          resolve(firstValue(body));
        } else {
          socket.destroy();
          reject(new Error(opcode === OP.ERROR ? errorText(body) : `unexpected opcode ${opcode}`));
        }
      }
    });
  });
}

try {
  process.stdout.write(`cassandra ${await ping()}\n`);
} catch (err) {
  process.stderr.write(`cql-ping: ${err.message}\n`);
  process.exit(1);
}
