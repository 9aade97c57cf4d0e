import { print } from 'graphql';
import { type Client } from 'graphql-ws';
import {
  IngestionEventsDocument,
  type IngestionEventsSubscription,
  type IngestionEventsSubscriptionVariables,
} from '../generated/graphql.js';

export type FeedEvent = IngestionEventsSubscription['ingestionEvents'];

export interface EventTap {
  events: FeedEvent[];
  /** Resolves once an event matches (or rejects after `ms`). */
  until(match: (e: FeedEvent) => boolean, ms?: number): Promise<FeedEvent[]>;
  /** Resolves with the subscription's error. */
  failure: Promise<unknown>;
  stop(): void;
}

/** Subscribes to ingestionEvents and keeps what arrives. */
export function tapEvents(client: Client, variables: IngestionEventsSubscriptionVariables): EventTap {
  const events: FeedEvent[] = [];
  const waiters: (() => void)[] = [];
  let fail: (e: unknown) => void = () => {};
  const failure = new Promise<unknown>((resolve) => (fail = resolve));
  const stop = client.subscribe<IngestionEventsSubscription>(
    { query: print(IngestionEventsDocument), variables: variables as Record<string, unknown> },
    {
      next: ({ data, errors }) => {
        if (errors) fail(errors);
        if (data) events.push(data.ingestionEvents);
        waiters.forEach((w) => w());
      },
      error: fail,
      complete: () => {},
    },
  );
  return {
    events,
    failure,
    stop,
    until: (match, ms = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching event in ${ms} ms; got ${JSON.stringify(events)}`)),
          ms,
        );
        const check = () => {
          if (events.some(match)) {
            clearTimeout(timer);
            resolve(events);
          }
        };
        waiters.push(check);
        check();
      }),
  };
}
