import { type Redis } from 'ioredis';
import { type Logger } from '../logger.js';
import { Channel } from './channel.js';
import { type WatchablePubSub } from './watched-publish.js';

/**
 * PubSub across gateway instances: payloads go through Redis as JSON (dates become strings), and each
 * instance holds one Redis subscription per topic however many local subscribers it has.
 */
export class RedisPubSub implements WatchablePubSub {
  private readonly topics = new Map<string, Set<Channel<unknown>>>();
  private readonly subscribed = new Map<string, Promise<unknown>>();

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly logger: Logger,
    private readonly prefix = 'lakegate:',
  ) {
    // A duplicate() does not inherit the connection's error listener: without one, ioredis prints every
    // failed reconnect while Redis is down. The outage shows in `sources` and in the publish warnings.
    subscriber.on('error', () => {});
    subscriber.on('message', (channel: string, message: string) => {
      const local = this.topics.get(channel.slice(this.prefix.length));
      if (!local) return;
      const payload: unknown = JSON.parse(message);
      for (const c of local) c.push(payload);
    });
  }

  publish(topic: string, payload: unknown): void {
    this.publisher
      .publish(this.prefix + topic, JSON.stringify(payload))
      .catch((error: unknown) => this.logger.warn({ err: error, topic }, 'event not published to Redis'));
  }

  /** Whether any gateway's subscriber connection listens to the topic; when Redis cannot tell, yes. */
  async watched(topic: string): Promise<boolean> {
    try {
      const [, count] = await this.publisher.pubsub('NUMSUB', this.prefix + topic);
      return Number(count) > 0;
    } catch {
      return true;
    }
  }

  /** The iterator's `ready` settles once Redis confirms the subscription: from then on nothing is missed. */
  subscribe(topic: string): AsyncIterableIterator<unknown> & { ready: Promise<unknown> } {
    let local = this.topics.get(topic);
    if (!local) {
      this.topics.set(topic, (local = new Set()));
      this.subscribed.set(
        topic,
        this.subscriber
          .subscribe(this.prefix + topic)
          .catch((error: unknown) => this.logger.warn({ err: error, topic }, 'Redis subscription failed')),
      );
    }
    const subscribers = local;
    const channel: Channel<unknown> = new Channel(() => {
      subscribers.delete(channel);
      if (subscribers.size === 0 && this.topics.get(topic) === subscribers) {
        this.topics.delete(topic);
        this.subscribed.delete(topic);
        this.subscriber.unsubscribe(this.prefix + topic).catch(() => {});
      }
    });
    subscribers.add(channel);
    return Object.assign(channel, { ready: this.subscribed.get(topic)! });
  }

  close(): void {
    this.subscriber.disconnect();
  }
}
