import { print } from 'graphql';
import { type Client } from 'graphql-ws';
import { WatchSourcesDocument, type WatchSourcesSubscription } from '../../generated/graphql.js';

export interface StatusChange {
  at: number;
  name: string;
  status: string;
}

/** Follows the `sources` subscription and keeps every change of a store's status, with its time. */
export class SourcesWatch {
  readonly changes: StatusChange[] = [];
  private readonly current = new Map<string, string>();
  private failure: unknown = null;
  private readonly unsubscribe: () => void;

  constructor(client: Client) {
    this.unsubscribe = client.subscribe<WatchSourcesSubscription>(
      { query: print(WatchSourcesDocument) },
      {
        next: ({ data, errors }) => {
          if (errors) this.failure = errors;
          for (const { name, status } of data?.sources ?? []) {
            if (this.current.get(name) === status) continue;
            this.current.set(name, status);
            this.changes.push({ at: Date.now(), name, status });
          }
        },
        error: (error) => (this.failure = error),
        complete: () => (this.failure ??= 'the sources subscription ended'),
      },
    );
  }

  status(name: string): string | undefined {
    return this.current.get(name);
  }

  /** When the store was first reported in `status` at or after `from`; null if not (yet). */
  seen(name: string, status: string, from: number): number | null {
    return this.changes.find((c) => c.name === name && c.status === status && c.at >= from)?.at ?? null;
  }

  /** The subscription's error or unexpected end, if any. */
  get error(): unknown {
    return this.failure;
  }

  stop(): void {
    this.unsubscribe();
  }
}
