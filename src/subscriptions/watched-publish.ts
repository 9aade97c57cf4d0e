import { type PubSub } from 'type-graphql';

/** A PubSub that can tell whether anyone, in any gateway, subscribes to a topic. */
export interface WatchablePubSub extends PubSub {
  watched(topic: string): boolean | Promise<boolean>;
}

const isWatchable = (pubSub: PubSub): pubSub is WatchablePubSub =>
  typeof (pubSub as Partial<WatchablePubSub>).watched === 'function';

/**
 * Publishes what `payload` makes, making it only when someone subscribes to the topic: a pipeline
 * publishing every batch it writes costs next to nothing while nobody watches. Publishes to one topic
 * keep their order.
 */
export function publishWhenWatched(pubSub: PubSub, topic: string, payload: () => unknown): void {
  const watched = isWatchable(pubSub) ? pubSub.watched(topic) : true;
  if (watched === true) pubSub.publish(topic, payload());
  else if (watched !== false) void watched.then((yes) => yes && pubSub.publish(topic, payload()));
}
