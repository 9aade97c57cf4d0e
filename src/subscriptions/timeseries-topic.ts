import { type SeriesLineage } from '../datasources/influx/timeseries.store.js';

/** One batch of points a pipeline run wrote, as published for the timeSeriesPoints subscription. */
export interface TimePointsMessage {
  project: string;
  measurement: string;
  source: SeriesLineage;
  /** `time` is an ISO string: the message may travel through Redis as JSON. */
  points: { time: string; tags: Record<string, string>; values: Record<string, number> }[];
}

export function timeSeriesTopic(project: string, measurement: string): string {
  return `timeseries:${project}:${measurement}`;
}
