import { type PubSub } from 'type-graphql';
import {
  type SeriesLineage,
  type SeriesPoint,
  type TimeSeriesStore,
} from '../../datasources/influx/timeseries.store.js';
import { BadInputError } from '../../errors/errors.js';
import { type TimePointsMessage, timeSeriesTopic } from '../../subscriptions/timeseries-topic.js';
import { type Step, type StepContext, type StepResult } from '../step.js';
import { type JsonRecord, jsonRecords } from './json-records.js';
import { parseTemplate, type SeriesTemplate, toPoint } from './series-template.js';

const LISTED_PROBLEMS = 5;

/**
 * JSON records (an array or NDJSON) to InfluxDB points, mapped by the object's `otherData.template`.
 * The file is read twice: once to check every record, so a bad one fails the run before any point is
 * written, then to write, a batch at a time; memory holds one batch whatever the file's size.
 */
export class JsonToInfluxStep implements Step {
  readonly name = 'json-to-influx';

  constructor(
    private readonly store: TimeSeriesStore,
    private readonly pubSub: PubSub,
  ) {}

  async run(ctx: StepContext): Promise<StepResult> {
    const template = parseTemplate(ctx.entry.otherData);
    const total = await this.check(ctx, template);
    const lineage = { project: ctx.project, objectId: ctx.entry.objectId, runId: ctx.runId };
    let written = 0;
    let batch: SeriesPoint[] = [];
    const flush = async () => {
      ctx.signal.throwIfAborted();
      written += await this.store.write(lineage, batch);
      this.publish(template, lineage, batch);
      ctx.progress(`${written} of ${total} points written`, written);
      batch = [];
    };
    for await (const record of jsonRecords(await ctx.open())) {
      batch.push(pointOf(template, record));
      if (batch.length >= this.store.batchSize) await flush();
    }
    if (batch.length > 0) await flush();
    return { count: written, message: `${written} points written to ${template.measurement}` };
  }

  /** Reads every record and throws BAD_USER_INPUT naming the first few bad ones; returns the count. */
  private async check(ctx: StepContext, template: SeriesTemplate): Promise<number> {
    const problems: string[] = [];
    const bad: number[] = [];
    let count = 0;
    for await (const record of jsonRecords(await ctx.open())) {
      if (record.index % this.store.batchSize === 0) ctx.signal.throwIfAborted();
      const point = toPoint(template, record.value);
      if (typeof point === 'string') {
        if (problems.length < LISTED_PROBLEMS) problems.push(`${record.label} ${point}`);
        bad.push(record.index);
      }
      count++;
    }
    if (bad.length > 0) {
      const shown = bad.length > problems.length ? `; first ${problems.length}` : '';
      throw new BadInputError(
        `${bad.length} of ${count} records do not fit the template${shown}: ${problems.join('; ')}`,
        { records: bad.slice(0, LISTED_PROBLEMS) },
      );
    }
    return count;
  }

  private publish(template: SeriesTemplate, source: SeriesLineage, points: SeriesPoint[]): void {
    const message: TimePointsMessage = {
      project: source.project,
      measurement: template.measurement,
      source,
      points: points.map((p) => ({
        time: new Date(Number(p.time / 1_000_000n)).toISOString(),
        tags: p.tags,
        values: p.fields,
      })),
    };
    this.pubSub.publish(timeSeriesTopic(source.project, template.measurement), message);
  }
}

function pointOf(template: SeriesTemplate, record: JsonRecord): SeriesPoint {
  const point = toPoint(template, record.value);
  // the check pass read the same bytes: only a changed object could get here
  if (typeof point === 'string') throw new BadInputError(`${record.label} ${point}`);
  return point;
}
