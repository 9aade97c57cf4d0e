import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SourceState, type SourceStatus } from '../../src/datasources/health.js';
import { SourceMonitor } from '../../src/subscriptions/source-monitor.js';

function status(state: SourceState): SourceStatus[] {
  return [
    {
      name: 'catalog',
      kind: 'MONGODB',
      endpoint: 'x',
      state,
      latencyMs: 1,
      detail: null,
      checkedAt: new Date(),
    },
  ];
}

describe('SourceMonitor', () => {
  it('sends the current state, then only changes, and stops polling when nobody watches', async () => {
    const states: SourceState[] = ['UP', 'UP', 'DOWN', 'DOWN', 'UP'];
    let checks = 0;
    const monitor = new SourceMonitor(async () => status(states[Math.min(checks++, states.length - 1)]!), 5);
    const watcher = monitor.watch();
    const seen: SourceState[] = [];
    for await (const snapshot of watcher) {
      seen.push(snapshot[0]!.state);
      if (seen.length === 3) break;
    }
    assert.deepEqual(seen, ['UP', 'DOWN', 'UP']);
    const after = checks;
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(checks, after, 'no polling once the last watcher left');
  });

  it('shares one poll between watchers', async () => {
    let checks = 0;
    const monitor = new SourceMonitor(async () => (checks++, status('UP')), 1000);
    const a = monitor.watch();
    const b = monitor.watch();
    const [first, second] = await Promise.all([a.next(), b.next()]);
    assert.equal(first.value[0].state, 'UP');
    assert.equal(second.value[0].state, 'UP');
    assert.equal(checks, 1);
    await a.return?.();
    await b.return?.();
  });
});
