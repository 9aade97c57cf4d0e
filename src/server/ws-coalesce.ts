import { type Socket } from 'node:net';
import { type WebSocket } from 'ws';

/** Bytes a socket may hold unwritten before a send waits for them to be written. */
const HIGH_WATER_BYTES = 16 * 1024;

/**
 * Lets the frames sent to a socket within one turn of the event loop leave in one write. graphql-ws
 * waits for each send's callback before it takes a subscription's next event, and a callback that waits
 * for the write costs a system call per message: under load, most of the gateway's time. Here the TCP
 * socket is corked until the next turn, and a send's callback comes as soon as the frame is queued, so a
 * subscriber with several events pending queues them all and they leave together. Past HIGH_WATER_BYTES
 * the callback waits for the write again: a slow client holds its subscriptions back instead of making
 * the gateway buffer without bound.
 */
export function coalesceWrites(socket: WebSocket, tcp: Socket): void {
  const send = socket.send.bind(socket) as (
    data: unknown,
    options: object,
    cb?: (error?: Error) => void,
  ) => void;
  let corked = false;
  const uncork = () => {
    corked = false;
    tcp.uncork();
  };
  socket.send = ((data: unknown, optionsOrCb?: object, cb?: (error?: Error) => void) => {
    if (typeof optionsOrCb === 'function') [optionsOrCb, cb] = [{}, optionsOrCb as typeof cb];
    if (!corked) {
      corked = true;
      tcp.cork();
      setImmediate(uncork);
    }
    if (tcp.writableLength >= HIGH_WATER_BYTES) return send(data, optionsOrCb ?? {}, cb);
    // A write that fails later closes the socket, which ends its subscriptions.
    send(data, optionsOrCb ?? {}, () => {});
    if (cb) queueMicrotask(cb);
  }) as WebSocket['send'];
}
