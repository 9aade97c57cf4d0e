import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { print } from 'graphql';
import { WatchSourcesDocument } from '../generated/graphql.js';
import { startTestGateway, wsClient } from '../helpers/gateway.js';

const PORT = 6390 + Math.floor(Math.random() * 100);

/** A private Redis of the test stack's build, on its own port, so stopping it disturbs no other test. */
async function startRedis(): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(PORT), '--bind', '127.0.0.1', '--save', ''], {
    stdio: 'pipe',
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  while (!out.includes('Ready to accept connections')) await once(child.stdout!, 'data');
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  await once(child, 'exit');
}

describe('sources subscription follows a store going down and coming back', () => {
  it('sends UP, then DOWN, then UP again, without restarting the gateway', async () => {
    let redis = await startRedis();
    const gateway = await startTestGateway({
      REDIS_URL: `redis://127.0.0.1:${PORT}`,
      SOURCE_POLL_MS: '250',
      SOURCE_TIMEOUT_MS: '500',
    });
    const client = wsClient(gateway);
    const states: string[] = [];
    try {
      const iterator = client.iterate({ query: print(WatchSourcesDocument) });
      const next = async () => {
        const { value } = await iterator.next();
        const broker = (value as { data: { sources: { name: string; status: string }[] } }).data.sources.find(
          (s) => s.name === 'broker',
        );
        states.push(broker!.status);
      };
      await next();
      await stop(redis);
      await next();
      redis = await startRedis();
      await next();
      await iterator.return?.();
      assert.deepEqual(states, ['UP', 'DOWN', 'UP']);
    } finally {
      await client.dispose();
      await gateway.close();
      await stop(redis);
    }
  });
});
