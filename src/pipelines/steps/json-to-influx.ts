import { type PubSub } from 'type-graphql';
import {
  type SeriesLineage,
  type SeriesPoint,
  type TimeSeriesStore,
} from '../../datasources/influx/timeseries.store.js';
import { BadInputError } from '../../errors/errors.js';
import { type TimePointsMessage, timeSeriesTopic } from '../../subscriptions/timeseries-topic.js';
import { publishWhenWatched } from '../../subscriptions/watched-publish.js';
import { MemoryBudget } from '../memory-budget.js';
import { type Step, type StepContext, type StepResult } from '../step.js';
import { heldJsonRecords, type JsonRecord, jsonRecords, recordLabel } from './json-records.js';
import { parseTemplate, type SeriesTemplate, toPoint } from './series-template.js';

const LISTED_PROBLEMS = 5;

/**
 * JSON records (an array or NDJSON) to InfluxDB points, mapped by the object's `otherData.template`.
 * Every record is checked before a point is written, so a bad one fails the run with nothing written. An
 * object the memory budget holds is read and parsed once, its points kept between the check and the
 * writing; a larger one is streamed twice, to check then to write, and memory holds two batches (the one
 * being written and the next one being read) whatever its size.
 */
export class JsonToInfluxStep implements Step {
  readonly name = 'json-to-influx';

  constructor(
    private readonly store: TimeSeriesStore,
    private readonly pubSub: PubSub,
    private readonly memory = new MemoryBudget(),
  ) {}

  async run(ctx: StepContext): Promise<StepResult> {
    const template = parseTemplate(ctx.entry.otherData);
    const lineage = { project: ctx.project, objectId: ctx.entry.objectId, runId: ctx.runId };
    const read = await this.memory.read(await ctx.open(), ctx.entry.size);
    if ('stream' in read) {
      const total = await this.check(ctx, template, jsonRecords(read.stream), null);
      const points = pointsOf(template, jsonRecords(await ctx.open()));
      return this.write(ctx, template, lineage, total, points);
    }
    try {
      const points: SeriesPoint[] = [];
      await this.check(ctx, template, await heldJsonRecords(read.bytes), points);
      return await this.write(ctx, template, lineage, points.length, points);
    } finally {
      read.release();
    }
  }

  /**
   * Converts every record, keeping the points in `keep` when given, and throws BAD_USER_INPUT naming the
   * first few bad ones; returns the count.
   */
  private async check(
    ctx: StepContext,
    template: SeriesTemplate,
    records: JsonRecord[] | AsyncIterable<JsonRecord>,
    keep: SeriesPoint[] | null,
  ): Promise<number> {
    const problems: string[] = [];
    const bad: number[] = [];
    let count = 0;
    const visit = (record: JsonRecord) => {
      if (record.index % this.store.batchSize === 0) ctx.signal.throwIfAborted();
      const point = toPoint(template, record.value);
      if (typeof point === 'string') {
        if (problems.length < LISTED_PROBLEMS) problems.push(`${recordLabel(record)} ${point}`);
        bad.push(record.index);
      } else if (keep && bad.length === 0) {
        keep.push(point);
      }
      count++;
    };
    if (Array.isArray(records)) records.forEach(visit);
    else for await (const record of records) visit(record);
    if (bad.length > 0) {
      const shown = bad.length > problems.length ? `; first ${problems.length}` : '';
      throw new BadInputError(
        `${bad.length} of ${count} records do not fit the template${shown}: ${problems.join('; ')}`,
        { records: bad.slice(0, LISTED_PROBLEMS) },
      );
    }
    return count;
  }

  /**
   * Writes the points a batch at a time: one write in flight while the next batch is read; before each
   * write the last one is over (written, published, reported) and the run not cancelled.
   */
  private async write(
    ctx: StepContext,
    template: SeriesTemplate,
    lineage: SeriesLineage,
    total: number,
    points: SeriesPoint[] | AsyncIterable<SeriesPoint>,
  ): Promise<StepResult> {
    let written = 0;
    let pending = Promise.resolve();
    try {
      for await (const batch of batchesOf(points, this.store.batchSize)) {
        await pending;
        ctx.signal.throwIfAborted();
        pending = this.store.write(lineage, batch).then((count) => {
          written += count;
          this.publish(template, lineage, batch);
          ctx.progress(`${written} of ${total} points written`, written);
        });
        // awaited before the next batch or at the end; a failure must not go unhandled meanwhile
        pending.catch(() => {});
      }
      await pending;
    } finally {
      await pending.catch(() => {});
    }
    return { count: written, message: `${written} points written to ${template.measurement}` };
  }

  private publish(template: SeriesTemplate, source: SeriesLineage, points: SeriesPoint[]): void {
    publishWhenWatched(
      this.pubSub,
      timeSeriesTopic(source.project, template.measurement),
      (): TimePointsMessage => ({
        project: source.project,
        measurement: template.measurement,
        source,
        points: points.map((p) => ({
          time: new Date(Number(p.time / 1_000_000n)).toISOString(),
          tags: p.tags,
          values: p.fields,
        })),
      }),
    );
  }
}

async function* pointsOf(template: SeriesTemplate, records: AsyncIterable<JsonRecord>) {
  for await (const record of records) {
    const point = toPoint(template, record.value);
    // the check pass read the same bytes: only a changed object could get here
    if (typeof point === 'string') throw new BadInputError(`${recordLabel(record)} ${point}`);
    yield point;
  }
}

async function* batchesOf<T>(items: T[] | AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  if (Array.isArray(items)) {
    for (let from = 0; from < items.length; from += size) yield items.slice(from, from + size);
    return;
  }
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
