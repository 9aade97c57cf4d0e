import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedisConnection } from '../../src/datasources/redis/redis.connection.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';

describe('Redis', () => {
  it('writes a key, reads it back, relays a message and cleans up', async () => {
    const url = stackUrl('REDIS_URL');
    const redis = new RedisConnection(url, 5000);
    const subscriber = new RedisConnection(url, 5000);
    const key = uniqueName('smoke');
    try {
      await redis.ping();
      await subscriber.ping();
      await redis.client.set(key, 'value');
      assert.equal(await redis.client.get(key), 'value');
      await subscriber.client.subscribe(key);
      const received = new Promise<string>((resolve) =>
        subscriber.client.once('message', (_c, m: string) => resolve(m)),
      );
      await redis.client.publish(key, 'hello');
      assert.equal(await received, 'hello');
      await redis.client.del(key);
      assert.equal(await redis.client.exists(key), 0);
    } finally {
      await redis.close();
      await subscriber.close();
    }
  });
});
