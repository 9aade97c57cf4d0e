import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Channel } from '../../src/subscriptions/channel.js';
import { InMemoryPubSub } from '../../src/subscriptions/pubsub.js';
import { publishWhenWatched } from '../../src/subscriptions/watched-publish.js';

describe('Channel', () => {
  it('delivers pushed values in order, then ends when closed', async () => {
    const channel = new Channel<number>();
    channel.push(1);
    channel.push(2);
    setTimeout(() => (channel.push(3), channel.close()), 5);
    const seen: number[] = [];
    for await (const v of channel) seen.push(v);
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('keeps only the newest value for a slow consumer when latestOnly', async () => {
    const channel = new Channel<number>(undefined, true);
    channel.push(1);
    channel.push(2);
    assert.deepEqual(await channel.next(), { value: 2, done: false });
  });

  it('runs onClose once when the consumer returns', async () => {
    let closed = 0;
    const channel = new Channel<number>(() => closed++);
    await channel.return();
    channel.close();
    assert.equal(closed, 1);
    assert.deepEqual(await channel.next(), { value: undefined, done: true });
  });
});

describe('InMemoryPubSub', () => {
  it('delivers a payload to every subscriber of its topic only', async () => {
    const pubsub = new InMemoryPubSub();
    const a = pubsub.subscribe('t1');
    const b = pubsub.subscribe('t1');
    const other = pubsub.subscribe('t2');
    pubsub.publish('t1', 'hello');
    assert.deepEqual(await a.next(), { value: 'hello', done: false });
    assert.deepEqual(await b.next(), { value: 'hello', done: false });
    pubsub.publish('t2', 'other');
    assert.deepEqual(await other.next(), { value: 'other', done: false });
  });

  it('makes a payload published when watched only while someone subscribes to its topic', async () => {
    const pubsub = new InMemoryPubSub();
    let made = 0;
    const make = () => `payload ${++made}`;
    publishWhenWatched(pubsub, 't', make);
    assert.equal(made, 0, 'nobody watches: nothing is made');
    const watcher = pubsub.subscribe('t');
    publishWhenWatched(pubsub, 't', make);
    publishWhenWatched(pubsub, 'other', make);
    assert.deepEqual(await watcher.next(), { value: 'payload 1', done: false });
    await watcher.return!();
    publishWhenWatched(pubsub, 't', make);
    assert.equal(made, 1);
  });
});
