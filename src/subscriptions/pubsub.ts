import { Channel } from './channel.js';
import { type WatchablePubSub } from './watched-publish.js';

/** In-process PubSub: topics are strings, every subscriber of a topic gets each published payload. */
export class InMemoryPubSub implements WatchablePubSub {
  private readonly topics = new Map<string, Set<Channel<unknown>>>();

  publish(topic: string, payload: unknown): void {
    for (const channel of this.topics.get(topic) ?? []) channel.push(payload);
  }

  watched(topic: string): boolean {
    return this.topics.has(topic);
  }

  subscribe(topic: string): AsyncIterableIterator<unknown> {
    const subscribers = this.topics.get(topic) ?? new Set<Channel<unknown>>();
    this.topics.set(topic, subscribers);
    const channel: Channel<unknown> = new Channel(() => {
      subscribers.delete(channel);
      if (subscribers.size === 0) this.topics.delete(topic);
    });
    subscribers.add(channel);
    return channel;
  }
}
