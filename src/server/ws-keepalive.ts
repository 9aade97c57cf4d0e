import { type WebSocket, type WebSocketServer } from 'ws';
import { type Logger } from '../logger.js';

/**
 * Pings every socket of `server` each `intervalMs` and drops (terminates) one that has not answered the
 * previous ping: graphql-ws never pings from the server, so a paused or vanished client would otherwise
 * hold its socket and subscriptions forever. 0: no pings.
 */
export function keepSocketsAlive(server: WebSocketServer, intervalMs: number, logger: Logger): void {
  if (intervalMs === 0) return;
  const answered = new WeakMap<WebSocket, boolean>();
  server.on('connection', (socket) => {
    answered.set(socket, true);
    socket.on('pong', () => answered.set(socket, true));
  });
  const sweep = () => {
    for (const socket of server.clients) {
      if (!answered.get(socket)) {
        logger.info('WebSocket dropped: no pong since the previous ping');
        socket.terminate();
        continue;
      }
      answered.set(socket, false);
      socket.ping();
    }
  };
  // After a stalled event loop a pong may be waiting unread: setImmediate lets this turn's I/O be read
  // before the sweep, so a busy gateway does not drop live clients.
  const timer = setInterval(() => setImmediate(sweep), intervalMs).unref();
  server.once('close', () => clearInterval(timer));
}
