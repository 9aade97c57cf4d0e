import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AuditFail, type AuditResult, serverAudits } from 'graphql-http';
import { startTestGateway } from '../helpers/gateway.js';

/** graphql-http's audits of the GraphQL-over-HTTP spec, against a real gateway. */
describe('GraphQL over HTTP audit', () => {
  // Two MUST audits query `__type`, which production refuses as introspection unless it is turned on.
  for (const env of [{}, { NODE_ENV: 'production', INTROSPECTION: 'true' }]) {
    it(`passes every MUST audit (${JSON.stringify(env)})`, async (t) => {
      const gateway = await startTestGateway(env);
      try {
        const audits = serverAudits({ url: gateway.graphqlUrl });
        const results: AuditResult[] = [];
        for (const audit of audits) results.push(await audit.fn());

        const must = results.filter((r) => r.name.startsWith('MUST'));
        const failing = results.filter((r): r is AuditFail => r.status !== 'ok');
        const failed = failing.filter((r) => r.name.startsWith('MUST'));
        t.diagnostic(`${must.length - failed.length}/${must.length} MUST audits pass`);
        for (const r of failing) if (!failed.includes(r)) t.diagnostic(`${r.status}: ${r.name}: ${r.reason}`);
        const reasons = failed.map((r) => `${r.name}: ${r.reason}`);

        assert.ok(must.length >= 10, `found ${must.length} MUST audits`);
        assert.deepEqual(reasons, [], 'failing MUST audits');
      } finally {
        await gateway.close();
      }
    });
  }
});
