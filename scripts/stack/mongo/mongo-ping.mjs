// Readiness probe for a MongoDB-wire server without a driver: one OP_MSG { ping: 1 } on "admin",
// exit 0 when the reply says ok: 1. Usage: node mongo-ping.mjs [port]
import { Buffer } from 'node:buffer';
import net from 'node:net';
import process from 'node:process';

const port = Number(process.argv[2] ?? 27017);

function cstring(s) {
  return Buffer.from(`${s}\0`, 'utf8');
}

function pingDocument() {
  const one = Buffer.alloc(4);
  one.writeInt32LE(1);
  const db = cstring('admin');
  const dbLength = Buffer.alloc(4);
  dbLength.writeInt32LE(db.length);
  const body = Buffer.concat([
    Buffer.from([0x10]),
    cstring('ping'),
    one, // int32 ping: 1
    Buffer.from([0x02]),
    cstring('$db'),
    dbLength,
    db, // string $db: "admin"
    Buffer.from([0x00]),
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(body.length + 4);
  return Buffer.concat([size, body]);
}

function opMsg(document) {
  const header = Buffer.alloc(16);
  const flags = Buffer.alloc(4);
  const length = 16 + flags.length + 1 + document.length;
  header.writeInt32LE(length, 0);
  header.writeInt32LE(1, 4); // requestID
  header.writeInt32LE(2013, 12); // OP_MSG
  return Buffer.concat([header, flags, Buffer.from([0x00]), document]);
}

// { ok: 1.0 } as BSON: type double, "ok", little-endian 1.0
const okTrue = Buffer.from([0x01, 0x6f, 0x6b, 0x00, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);

const socket = net.connect(port, '127.0.0.1');
socket.setTimeout(3000, () => process.exit(1));
socket.on('error', () => process.exit(1));
socket.on('connect', () => socket.write(opMsg(pingDocument())));
let reply = Buffer.alloc(0);
socket.on('data', (chunk) => {
  reply = Buffer.concat([reply, chunk]);
  if (reply.length >= 4 && reply.length >= reply.readInt32LE(0)) {
    const ok = reply.indexOf(okTrue) >= 0;
    socket.end(() => process.exit(ok ? 0 : 1));
  }
});
