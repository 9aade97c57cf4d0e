import { BadInputError } from '../../errors/errors.js';
import { guard } from '../guard.js';
import { inParallel } from '../parallel.js';
import { type InfluxConnection } from './influx.connection.js';
import { type Aggregate, Params } from './influxql.js';
import { lineProtocol } from './line-protocol.js';
import { type RawSeries, selectStream } from './query-stream.js';
import { selectStatement, splitTags } from './series-query.js';

/** The object and the pipeline run a point comes from; every point carries them as tags. */
export interface SeriesLineage {
  project: string;
  objectId: number;
  runId: string;
}

export interface SeriesPoint {
  measurement: string;
  /** Nanoseconds since the epoch. */
  time: bigint;
  tags: Record<string, string>;
  fields: Record<string, number>;
}

export interface TagFilter {
  name: string;
  value: string;
}

export interface SeriesQuery {
  project: string;
  measurement: string;
  from: Date;
  /** Exclusive. */
  to: Date;
  tags: TagFilter[];
  /** Window of GROUP BY time(); needs `aggregate`. */
  every: string | null;
  /** Without `every`: one value per series over the whole range. */
  aggregate: Aggregate | null;
  /**
   * Tags the aggregated series keep (others are aggregated across); null: every tag, so each series is one
   * object's run. Only with `aggregate`.
   */
  groupBy: string[] | null;
  /** The query stops reading past this many points and reports itself incomplete. */
  maxPoints: number;
}

export interface StoredPoint {
  time: Date;
  values: Record<string, number | null>;
}

export interface StoredSeries {
  measurement: string;
  /** The series' tags other than the lineage ones. */
  tags: Record<string, string>;
  columns: string[];
  points: StoredPoint[];
  /** Set when the series is one object's run (its tags include object_id and run_id). */
  source: SeriesLineage | null;
}

export interface SeriesSummary {
  measurement: string;
  pointCount: number;
  from: Date;
  to: Date;
  source: SeriesLineage;
}

/** The gold zone's time series: points written with their lineage, read back by project. */
export interface TimeSeriesStore {
  /** Points per write call: the json-to-influx step writes, reports and publishes this many at a time. */
  readonly batchSize: number;
  /**
   * Writes the points tagged with their lineage and resolves once InfluxDB acknowledged every one. A
   * point with the same measurement, tags and time as an earlier one replaces it.
   */
  write(lineage: SeriesLineage, points: SeriesPoint[]): Promise<number>;
  query(query: SeriesQuery): Promise<{ series: StoredSeries[]; complete: boolean }>;
  /** For each object id, in order: its series per measurement and run, in one request. */
  summaries(project: string, objectIds: readonly number[]): Promise<SeriesSummary[][]>;
}

export interface InfluxStoreOptions {
  /** The bucket (on InfluxDB 1.x, the database). */
  bucket: string;
  /** Points per write request. */
  batchSize: number;
  /** Requests one write call has in flight at once (1 unless given); its batchSize is this many requests' points. */
  writeConcurrency?: number;
  readTimeoutMs: number;
  writeTimeoutMs: number;
}

export class InfluxTimeSeriesStore implements TimeSeriesStore {
  readonly batchSize: number;
  private readonly concurrency: number;

  constructor(
    private readonly connection: InfluxConnection,
    private readonly options: InfluxStoreOptions,
  ) {
    this.concurrency = options.writeConcurrency ?? 1;
    this.batchSize = options.batchSize * this.concurrency;
  }

  /**
   * Line protocol on /api/v2/write (1.8+, 2.x, 3.x), `options.batchSize` points a request, `concurrency`
   * requests at a time: InfluxDB takes two requests at once in about the time of one.
   */
  async write(lineage: SeriesLineage, points: SeriesPoint[]): Promise<number> {
    if (points.length === 0) return 0;
    const size = this.options.batchSize;
    const requests = Array.from({ length: Math.ceil(points.length / size) }, (_, i) =>
      points.slice(i * size, (i + 1) * size),
    );
    await inParallel(requests, this.concurrency, (request) => this.send(lineage, request));
    return points.length;
  }

  private async send(lineage: SeriesLineage, points: SeriesPoint[]): Promise<void> {
    const { url, token, org } = this.connection.settings;
    const target = new URL('/api/v2/write', url);
    target.search = new URLSearchParams({
      org: org ?? '',
      bucket: this.options.bucket,
      precision: 'ns',
    }).toString();
    const body = lineProtocol(lineage, points);
    await guard(this.connection.name, this.options.writeTimeoutMs, async () => {
      const res = await this.connection.fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          ...(token ? { authorization: `Token ${token}` } : {}),
        },
        body,
        signal: AbortSignal.timeout(this.options.writeTimeoutMs),
      });
      const answer = await res.text();
      if (res.ok) return;
      // InfluxDB refusing the points themselves (a field type conflict, a time outside retention) is the data's fault
      if (res.status === 400 || res.status === 422) {
        throw new BadInputError(`InfluxDB refused the points: ${messageOf(answer)}`);
      }
      throw Object.assign(new Error(`InfluxDB answered HTTP ${res.status}: ${messageOf(answer)}`), {
        code: `HTTP_${res.status}`,
      });
    });
  }

  async query(q: SeriesQuery): Promise<{ series: StoredSeries[]; complete: boolean }> {
    const statement = selectStatement(q);
    const bySeries = new Map<string, StoredSeries>();
    const prefix = q.aggregate ? `${q.aggregate.toLowerCase()}_` : '';
    let count = 0;
    const complete = await this.select(statement.text, statement.params, (_, raw) => {
      const key = JSON.stringify([raw.name, raw.tags ?? {}]);
      let series = bySeries.get(key);
      const columns = raw.columns.slice(1).map((c) => (c.startsWith(prefix) ? c.slice(prefix.length) : c));
      if (!series) {
        series = { measurement: raw.name, ...splitTags(q.project, raw.tags), columns, points: [] };
        bySeries.set(key, series);
      }
      for (const row of raw.values) {
        if (++count > q.maxPoints) return false;
        const values: Record<string, number | null> = {};
        columns.forEach((c, i) => (values[c] = (row[i + 1] as number | null) ?? null));
        series.points.push({ time: new Date(row[0] as number), values });
      }
      return true;
    });
    return { series: [...bySeries.values()], complete };
  }

  async summaries(project: string, objectIds: readonly number[]): Promise<SeriesSummary[][]> {
    const ids = [...new Set(objectIds)];
    if (ids.length === 0) return [];
    const p = new Params();
    const ofObjects = ids.map((id) => `"object_id" = ${p.add(String(id))}`).join(' OR ');
    const where = `WHERE "project" = ${p.add(project)} AND (${ofObjects}) GROUP BY "object_id", "run_id"`;
    // Three statements, one request: points per field (every point has every field of its template, so
    // the largest count is the number of points), then each series' first and last point.
    const text = [
      `SELECT count(*) FROM /.*/ ${where}`,
      `SELECT * FROM /.*/ ${where} ORDER BY time ASC LIMIT 1`,
      `SELECT * FROM /.*/ ${where} ORDER BY time DESC LIMIT 1`,
    ].join('; ');
    const found = new Map<string, SeriesSummary>();
    await this.select(text, p, (statement, raw) => {
      const objectId = Number(raw.tags?.['object_id']);
      const runId = raw.tags?.['run_id'] ?? '';
      const key = JSON.stringify([objectId, runId, raw.name]);
      const summary = found.get(key) ?? {
        measurement: raw.name,
        pointCount: 0,
        from: new Date(0),
        to: new Date(0),
        source: { project, objectId, runId },
      };
      found.set(key, summary);
      const row = raw.values[0] ?? [];
      if (statement === 0) summary.pointCount = Math.max(0, ...row.slice(1).map((v) => Number(v ?? 0)));
      if (statement === 1) summary.from = new Date(row[0] as number);
      if (statement === 2) summary.to = new Date(row[0] as number);
      return true;
    });
    const all = [...found.values()].sort(
      (a, b) => a.measurement.localeCompare(b.measurement) || a.from.getTime() - b.from.getTime(),
    );
    return objectIds.map((id) => all.filter((s) => s.source.objectId === id));
  }

  /** Runs InfluxQL on /query; false when `visit` stopped the reading early. */
  private select(
    text: string,
    params: Params,
    visit: (statement: number, series: RawSeries) => boolean,
  ): Promise<boolean> {
    const { url, token } = this.connection.settings;
    return guard(this.connection.name, this.options.readTimeoutMs, () =>
      selectStream(
        { url, token, db: this.options.bucket, fetch: this.connection.fetch },
        text,
        params.values,
        visit,
      ),
    );
  }
}

/** The `message` of InfluxDB's JSON error answer, or the answer's text. */
function messageOf(answer: string): string {
  try {
    const { message } = JSON.parse(answer) as { message?: unknown };
    if (typeof message === 'string') return message;
  } catch {
    // not JSON: the text itself
  }
  return answer.slice(0, 500);
}
