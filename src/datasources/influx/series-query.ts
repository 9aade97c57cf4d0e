import { BadInputError } from '../../errors/errors.js';
import { identifier, interval, LINEAGE_TAGS, Params, tagIdentifier, timeBound } from './influxql.js';
import { type SeriesLineage, type SeriesQuery } from './timeseries.store.js';

/**
 * The InfluxQL of a timeSeries read. Values are bound; the measurement, tag names and interval pass their
 * patterns first, so a refused argument costs no request.
 */
export function selectStatement(q: SeriesQuery): { text: string; params: Params } {
  const p = new Params();
  const measurement = identifier(q.measurement, 'measurement');
  if (q.every !== null && q.aggregate === null) {
    throw new BadInputError('every needs an aggregate', { argument: 'aggregate' });
  }
  if (q.groupBy !== null && q.aggregate === null) {
    throw new BadInputError('groupBy needs an aggregate', { argument: 'groupBy' });
  }
  if (!(q.from.getTime() < q.to.getTime())) {
    throw new BadInputError('from must be before to', { argument: 'to' });
  }
  const where = [
    `"project" = ${p.add(q.project)}`,
    `time >= ${p.add(timeBound(q.from))}`,
    `time < ${p.add(timeBound(q.to))}`,
    ...q.tags.map((t) => `${tagIdentifier(t.name, 'tags.name')} = ${p.add(t.value)}`),
  ];
  const group: string[] = [];
  if (q.every !== null) group.push(`time(${interval(q.every)})`);
  if (q.groupBy === null) group.push('*');
  else group.push(...q.groupBy.map((t) => tagIdentifier(t, 'groupBy')));
  const select = q.aggregate ? `${q.aggregate.toLowerCase()}(*)` : '*';
  const text =
    `SELECT ${select} FROM ${measurement} WHERE ${where.join(' AND ')}` +
    (group.length > 0 ? ` GROUP BY ${group.join(', ')}` : '') +
    (q.every !== null ? ' fill(none)' : '');
  return { text, params: p };
}

/** A series' tags without the lineage ones, and the lineage when they name one object's run. */
export function splitTags(
  project: string,
  all: Record<string, string> = {},
): { tags: Record<string, string>; source: SeriesLineage | null } {
  const tags: Record<string, string> = {};
  for (const [name, value] of Object.entries(all)) {
    if (value !== '' && !(LINEAGE_TAGS as readonly string[]).includes(name)) tags[name] = value;
  }
  const objectId = Number(all['object_id']);
  const runId = all['run_id'];
  const source = runId && Number.isSafeInteger(objectId) ? { project, objectId, runId } : null;
  return { tags, source };
}
