import { type PubSub } from 'type-graphql';
import { type EventLog, type IngestionEventRecord } from '../datasources/catalog/catalog.js';
import { type Logger } from '../logger.js';
import { KeyedBatcher } from './batcher.js';

type Optional = 'bytes' | 'totalBytes' | 'message' | 'code' | 'runId' | 'step';
export type NewEvent = Omit<IngestionEventRecord, 'sequence' | 'at' | Optional> &
  Partial<Pick<IngestionEventRecord, Optional>>;

const REPLAY_PAGE = 500;

export function ingestionTopic(project: string): string {
  return `ingestion:${project}`;
}

/**
 * The progress feed: every event is stored in the event log with the project's next sequence number,
 * then published. Within one gateway a project's events are written in batches of what queued up
 * meanwhile (one counter step and one insert per batch, however many uploads run), in order, so
 * subscribers see them in sequence order.
 */
export class IngestionFeed {
  private readonly writer: KeyedBatcher<Omit<IngestionEventRecord, 'sequence'>, IngestionEventRecord>;

  constructor(
    private readonly log: EventLog,
    private readonly pubSub: PubSub,
    private readonly logger: Logger,
  ) {
    this.writer = new KeyedBatcher(async (project, events) => {
      const stored = await this.log.append(events);
      for (const record of stored) this.pubSub.publish(ingestionTopic(project), record);
      return stored;
    });
  }

  publish(event: NewEvent): Promise<IngestionEventRecord> {
    const record = {
      ...{ bytes: null, totalBytes: null, message: null, code: null, runId: null, step: null },
      ...event,
      at: new Date(),
    };
    return this.writer.submit(event.project, record);
  }

  /** Publishes without letting a feed failure fail the upload it reports on. */
  async tell(event: NewEvent): Promise<void> {
    await this.publish(event).catch((error: unknown) =>
      this.logger.warn(
        { err: error, event: event.type, uploadId: event.uploadId },
        'progress event not recorded',
      ),
    );
  }

  /** Every event recorded for one upload (its pipeline runs included), oldest first. */
  async history(project: string, uploadId: string): Promise<IngestionEventRecord[]> {
    const events: IngestionEventRecord[] = [];
    for (;;) {
      const page = await this.log.after(project, events.at(-1)?.sequence ?? 0, uploadId, REPLAY_PAGE);
      events.push(...page);
      if (page.length < REPLAY_PAGE) return events;
    }
  }

  /**
   * Events of a project (optionally of one upload): first those after `after` from the log, then live
   * ones, in sequence order without duplicates. A hole in the live sequence is filled from the log.
   * Without `after`, only events from now on.
   */
  async *watch(
    project: string,
    after: number | null,
    uploadId: string | null,
  ): AsyncGenerator<IngestionEventRecord> {
    const subscription = this.pubSub.subscribe(
      ingestionTopic(project),
    ) as AsyncIterable<IngestionEventRecord>;
    const live = subscription[Symbol.asyncIterator]();
    const wanted = (e: IngestionEventRecord) => uploadId === null || e.uploadId === uploadId;
    let cursor = after;
    try {
      if (cursor !== null) {
        for (;;) {
          const page = await this.log.after(project, cursor, null, REPLAY_PAGE);
          for (const e of page) {
            cursor = e.sequence;
            if (wanted(e)) yield e;
          }
          if (page.length < REPLAY_PAGE) break;
        }
      }
      for (;;) {
        const { value: event, done } = await live.next();
        if (done) return;
        if (cursor !== null && event.sequence <= cursor) continue;
        if (cursor !== null && event.sequence > cursor + 1) {
          const missed = await this.log.after(project, cursor, null, event.sequence - cursor - 1);
          for (const e of missed.filter((m) => m.sequence < event.sequence)) {
            if (wanted(e)) yield e;
          }
        }
        cursor = event.sequence;
        if (wanted(event)) yield event;
      }
    } finally {
      await live.return?.();
    }
  }
}
