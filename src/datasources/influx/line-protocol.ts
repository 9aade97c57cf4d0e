import { BadInputError } from '../../errors/errors.js';
import { type SeriesLineage, type SeriesPoint } from './timeseries.store.js';

// The escaping of InfluxDB's own client, which this replaces (its Point class was the slow part of a write):
// measurement names escape `,` and space; tag keys, tag values and field keys escape `,`, `=` and space; line
// breaks and tabs become \n, \r, \t in all of them. Empty keys and empty tag values are left out, as it did.
const TAG_SPECIAL = /[,= \n\r\t]/;
const MEASUREMENT_SPECIAL = /[, \n\r\t]/;
const ESCAPES: Record<string, string> = {
  ',': '\\,',
  '=': '\\=',
  ' ': '\\ ',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};
const escapeChar = (c: string) => ESCAPES[c]!;

const escapeTag = (s: string) => (TAG_SPECIAL.test(s) ? s.replace(/[,= \n\r\t]/g, escapeChar) : s);
const escapeMeasurement = (s: string) =>
  MEASUREMENT_SPECIAL.test(s) ? s.replace(/[, \n\r\t]/g, escapeChar) : s;

/**
 * Points as InfluxDB line protocol, one line each, nanosecond timestamps. Tags and fields are sorted by
 * key, as InfluxDB prefers; the lineage tags replace a point's own tags of the same names, and an empty tag
 * value is left out. Fields are always floats: a field InfluxDB first saw as an integer would refuse every
 * later fractional value.
 */
export function lineProtocol(lineage: SeriesLineage, points: readonly SeriesPoint[]): string {
  const own: Record<string, string> = {
    object_id: String(lineage.objectId),
    project: lineage.project,
    run_id: lineage.runId,
  };
  const ownKeys = Object.keys(own).sort();
  const ownTags = ownKeys
    .filter((k) => own[k])
    .map((k) => `,${k}=${escapeTag(own[k]!)}`)
    .join('');
  const lines = new Array<string>(points.length);
  let measurement = '';
  let escapedMeasurement = '';
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (p.measurement !== measurement) {
      measurement = p.measurement;
      escapedMeasurement = escapeMeasurement(measurement);
    }
    lines[i] = `${escapedMeasurement}${tagsOf(p.tags, own, ownKeys, ownTags)} ${fieldsOf(p)} ${p.time}`;
  }
  return lines.join('\n');
}

function tagsOf(
  tags: Record<string, string>,
  own: Record<string, string>,
  ownKeys: string[],
  ownTags: string,
): string {
  const keys = Object.keys(tags);
  if (keys.length === 0) return ownTags;
  for (const k of ownKeys) if (!Object.hasOwn(tags, k)) keys.push(k);
  keys.sort();
  let text = '';
  for (const k of keys) {
    const value = Object.hasOwn(own, k) ? own[k]! : tags[k]!;
    if (k && value) text += `,${escapeTag(k)}=${escapeTag(value)}`;
  }
  return text;
}

function fieldsOf(p: SeriesPoint): string {
  const keys = Object.keys(p.fields);
  if (!keys.some(Boolean) || !p.measurement) {
    throw new BadInputError(`a point of ${p.measurement} has no field`);
  }
  if (keys.length > 1) keys.sort();
  let text = '';
  for (const k of keys) {
    if (!k) continue;
    const value = p.fields[k]!;
    if (!Number.isFinite(value)) {
      throw new BadInputError(`field ${k} of a point of ${p.measurement} is not a finite number`);
    }
    text += `${text ? ',' : ''}${escapeTag(k)}=${String(value)}`;
  }
  return text;
}
