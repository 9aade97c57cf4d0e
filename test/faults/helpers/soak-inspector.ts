import { once } from 'node:events';
import { createServer } from 'node:net';
import WebSocket from 'ws';

/** A TCP port free right now on the loopback interface. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/**
 * Makes the process whose inspector listens on `port` collect all the garbage it can, as V8 does on a
 * low-memory notification, so that its RSS shows what it holds rather than when it last collected.
 */
export async function collectGarbage(port: number): Promise<void> {
  const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const socket = new WebSocket(target!.webSocketDebuggerUrl);
  await once(socket, 'open');
  const answered = new Promise<void>((resolve, reject) =>
    socket.on('message', (data: Buffer) => {
      const { id, error } = JSON.parse(data.toString()) as { id?: number; error?: { message: string } };
      if (id !== 1) return;
      if (error) reject(new Error(error.message));
      else resolve();
    }),
  );
  socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
  await answered;
  socket.close();
}
