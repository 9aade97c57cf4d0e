import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  type IngestionEventsSubscription,
  TimeSeriesPointsDocument,
  type TimeSeriesPointsSubscription,
} from '../../generated/graphql.js';
import { type Tally } from './soak-load.js';

// The fields of README's example: a progress display's, without the catalog read `object` costs per event.
const EVENTS = `subscription ($project: String!, $after: Int) {
  ingestionEvents(project: $project, after: $after) {
    sequence type uploadId objectId bytes totalBytes code message runId step
  }
}`;

type Event = Omit<IngestionEventsSubscription['ingestionEvents'], 'object'>;

const ENDED = new Set(['PIPELINE_SUCCEEDED', 'PIPELINE_FAILED', 'PIPELINE_CANCELLED']);
const FAILURES = new Set(['FAILED', 'PIPELINE_FAILED', 'PIPELINE_CANCELLED']);

/** A subscriber on a socket of its own; any error, early end, gap or repeat counts in the tally. */
abstract class Follower<T> {
  received = 0;
  private readonly client: Client;
  private stopped = false;

  constructor(
    wsUrl: string,
    token: string,
    protected readonly tally: Tally,
  ) {
    this.client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    });
  }

  protected follow(query: string, variables: Record<string, unknown>): void {
    this.client.subscribe<T>(
      { query, variables },
      {
        next: ({ data, errors }) => {
          if (errors) this.tally.fail('subscription', JSON.stringify(errors));
          if (data) {
            this.received++;
            this.take(data);
          }
        },
        error: (error) => this.tally.fail('subscription', `ended: ${JSON.stringify(error)}`),
        complete: () => this.stopped || this.tally.fail('subscription', 'completed by the server'),
      },
    );
  }

  protected abstract take(data: T): void;

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client.dispose();
  }
}

/** Follows a project's ingestion events from its first; tracks the pipeline runs they report. */
export class EventFollower extends Follower<{ ingestionEvents: Event }> {
  last = 0;
  cataloged = 0;
  readonly queued = new Set<string>();
  readonly ended = new Set<string>();

  constructor(wsUrl: string, token: string, tally: Tally, project: string) {
    super(wsUrl, token, tally);
    this.follow(EVENTS, { project, after: 0 });
  }

  protected take({ ingestionEvents: e }: { ingestionEvents: Event }): void {
    if (e.sequence !== this.last + 1)
      this.tally.fail('subscription', `event ${e.sequence} after ${this.last}`);
    this.last = Math.max(this.last, e.sequence);
    if (e.type === 'CATALOGED') this.cataloged++;
    if (FAILURES.has(e.type)) this.tally.fail('ingestion', `${e.type} ${e.code}: ${e.message}`);
    if (e.type === 'PIPELINE_QUEUED' && e.runId) this.queued.add(e.runId);
    if (ENDED.has(e.type) && e.runId) this.ended.add(e.runId);
  }
}

/** Follows the points pipeline runs write to a measurement. */
export class PointsFollower extends Follower<TimeSeriesPointsSubscription> {
  points = 0;

  constructor(wsUrl: string, token: string, tally: Tally, project: string, measurement: string) {
    super(wsUrl, token, tally);
    this.follow(print(TimeSeriesPointsDocument), { project, measurement });
  }

  protected take({ timeSeriesPoints }: TimeSeriesPointsSubscription): void {
    this.points += timeSeriesPoints.points.length;
  }
}
