// The baseline: a plain `ws` server in its own process that sends each event, serialised once, to every
// connected socket, in the bytes graphql-ws would send a subscriber. With the argument `coalesce`, the
// TCP sockets are corked until the next turn of the event loop, as the gateway does (src/server/ws-coalesce.ts):
// what is sent within one turn leaves in one write per socket.
import { type Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { nextMessage, pace, type PublishCommand, type PublishReport } from './fanout-shared.js';

const coalesce = process.argv[2] === 'coalesce';
const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
const tcp = new Map<WebSocket, Socket>();
server.on('connection', (socket, request) => tcp.set(socket, request.socket));
await new Promise<void>((resolve) => server.once('listening', resolve));
let sequence = 0;
let corked = false;

function broadcast(data: Buffer): void {
  if (coalesce && !corked) {
    corked = true;
    for (const socket of tcp.values()) socket.cork();
    setImmediate(() => {
      corked = false;
      for (const socket of tcp.values()) socket.uncork();
    });
  }
  for (const socket of server.clients) socket.send(data, { binary: false });
}

process.on('message', (command: PublishCommand) => {
  const { rate, seconds } = command.publish;
  void pace(rate, seconds, (scheduledAt) => {
    broadcast(Buffer.from(nextMessage(++sequence, new Date(), scheduledAt)));
  }).then((report) => process.send!(report satisfies PublishReport));
});
for (const event of ['disconnect', 'SIGTERM']) process.on(event, () => process.exit(0));
const { port } = server.address() as { port: number };
process.send!({ url: `http://127.0.0.1:${port}` });
