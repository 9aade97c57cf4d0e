import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { print } from 'graphql';
import { RateLimiter } from '../../src/server/rate-limit.js';
import { WatchSourcesDocument } from '../generated/graphql.js';
import { authHeaders, bearer, startTestGateway, wsClient } from '../helpers/gateway.js';
import { createProject, uploadFile } from '../helpers/lake.js';

describe('rate limits', () => {
  it('refill at the configured rate, with bursts up to a minute of it', () => {
    const limiter = new RateLimiter(60); // one a second
    const t0 = 1_000_000;
    for (let i = 0; i < 60; i++) assert.equal(limiter.take('a', t0), 0);
    assert.equal(limiter.take('a', t0), 1, 'the 61st waits a second');
    assert.equal(limiter.take('b', t0), 0, 'another client has its own budget');
    assert.equal(limiter.take('a', t0 + 1000), 0, 'a second later there is one more');
    assert.equal(new RateLimiter(0).take('a', t0), 0, '0 means no limit');
  });

  it('count each client behind a trusted proxy apart', async () => {
    const gateway = await startTestGateway({ RATE_LIMIT_REQUESTS_PER_MINUTE: '1', TRUST_PROXY_HOPS: '1' });
    try {
      const from = (client: string) =>
        fetch(gateway.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
          body: JSON.stringify({ query: '{ projects { name } }' }),
        }).then((r) => r.status);
      assert.deepEqual(
        [await from('10.0.0.1'), await from('10.0.0.2'), await from('10.0.0.1')],
        [200, 200, 429],
      );
    } finally {
      await gateway.close();
    }
  });

  it("count each principal's requests together whatever its address, and principals apart", async () => {
    const gateway = await startTestGateway({ RATE_LIMIT_REQUESTS_PER_MINUTE: '2', TRUST_PROXY_HOPS: '1' });
    try {
      const [ana, bob] = await Promise.all([
        gateway.token({ subject: 'ana' }),
        gateway.token({ subject: 'bob' }),
      ]);
      const from = (token: string, client: string) =>
        fetch(gateway.graphqlUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-forwarded-for': client,
            authorization: bearer(token),
          },
          body: JSON.stringify({ query: '{ projects { name } }' }),
        }).then((r) => r.status);
      assert.deepEqual(
        [await from(ana, '10.0.0.1'), await from(ana, '10.0.0.2'), await from(ana, '10.0.0.3')],
        [200, 200, 429],
        'one budget for ana, from three addresses',
      );
      assert.equal(await from(bob, '10.0.0.1'), 200, 'bob has his own, from an address ana used');
    } finally {
      await gateway.close();
    }
  });

  it('answer 429 with Retry-After and RATE_LIMITED, counting uploads apart from other requests', async () => {
    const gateway = await startTestGateway({
      RATE_LIMIT_REQUESTS_PER_MINUTE: '3',
      RATE_LIMIT_UPLOADS_PER_MINUTE: '2',
    });
    try {
      const project = await createProject(gateway);
      const query = () =>
        fetch(gateway.graphqlUrl, {
          method: 'POST',
          headers: authHeaders(gateway, { 'content-type': 'application/json' }),
          body: JSON.stringify({ query: '{ projects { name } }' }),
        });
      const file = (n: number) => ({ name: `${n}.csv`, type: 'text/csv', content: Buffer.from(`a\n${n}\n`) });
      assert.equal((await uploadFile(gateway, { project }, file(1))).status, 200);
      assert.equal((await uploadFile(gateway, { project }, file(2))).status, 200);
      const third = await uploadFile(gateway, { project }, file(3));
      assert.equal(third.status, 429);
      assert.equal(third.body.errors?.[0]?.extensions?.['code'], 'RATE_LIMITED');

      assert.equal((await query()).status, 200, 'uploads did not use up the request budget');
      assert.equal((await query()).status, 200);
      const refused = await query();
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      const body = (await refused.json()) as { errors: { extensions: Record<string, unknown> }[] };
      assert.equal(body.errors[0]!.extensions['code'], 'RATE_LIMITED');
      assert.ok(Number(body.errors[0]!.extensions['retryAfterSeconds']) >= 1);

      // The WebSocket path draws on the same request budget.
      const client = wsClient(gateway);
      try {
        const iterator = client.iterate({ query: print(WatchSourcesDocument) });
        await assert.rejects(
          iterator.next(),
          (errors: { extensions?: { code?: string } }[]) =>
            Array.isArray(errors) && errors[0]?.extensions?.code === 'RATE_LIMITED',
        );
      } finally {
        await client.dispose();
      }
    } finally {
      await gateway.close();
    }
  });
});
