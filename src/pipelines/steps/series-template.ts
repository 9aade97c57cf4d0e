import { z } from 'zod';
import { LINEAGE_TAGS, NAME_PATTERN } from '../../datasources/influx/influxql.js';
import { type SeriesPoint } from '../../datasources/influx/timeseries.store.js';
import { BadInputError } from '../../errors/errors.js';
import { show, toNanoseconds } from './record-time.js';

const name = z.string().regex(NAME_PATTERN, `expected a name matching ${NAME_PATTERN.source}`);

const templateSchema = z
  .object({
    measurement: name,
    /** A top-level key of each record. */
    timeField: z.string().min(1).max(256),
    timeFormat: z.enum(['iso', 's', 'ms', 'ns']).default('iso'),
    fields: z.array(name).min(1).max(200),
    tags: z.array(name).max(50).default([]),
  })
  .strict()
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    for (const [kind, names] of [
      ['fields', t.fields],
      ['tags', t.tags],
    ] as const) {
      names.forEach((n, i) => {
        const issue = (message: string) => ctx.addIssue({ code: 'custom', path: [kind, i], message });
        if (seen.has(n)) issue(`${n} is named twice`);
        if (n.toLowerCase() === 'time') issue(`${n} is the point time, not a field or tag`);
        // a key no plain object can hold: the point would lose it
        if (n === '__proto__') issue(`${n} cannot be a field or tag name`);
        if (kind === 'tags' && (LINEAGE_TAGS as readonly string[]).includes(n)) {
          issue(`${n} is a lineage tag the step sets itself`);
        }
        seen.add(n);
      });
    }
  });

/** How the json-to-influx step maps a record to a point: `otherData.template` of the object. */
export type SeriesTemplate = z.infer<typeof templateSchema>;

export function parseTemplate(otherData: Record<string, unknown> | null): SeriesTemplate {
  const raw = otherData?.['template'];
  if (raw === undefined) throw new BadInputError('the object has no otherData.template');
  const parsed = templateSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${['template', ...i.path].join('.')}: ${i.message}`);
    throw new BadInputError(`otherData.template is not valid: ${problems.join('; ')}`, { problems });
  }
  return parsed.data;
}

/**
 * The point a record makes, or what is wrong with it. Every field of the template must be a finite
 * number, so every point has every field (series summaries count points by their fields).
 */
export function toPoint(template: SeriesTemplate, record: unknown): SeriesPoint | string {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return `is not a JSON object (${show(record)})`;
  }
  // own keys only: a template naming `constructor` must not read Object.prototype's
  const at = (key: string): unknown =>
    Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined;
  if (at(template.timeField) === undefined || at(template.timeField) === null) {
    return `has no time field ${template.timeField}`;
  }
  const time = toNanoseconds(at(template.timeField), template.timeFormat);
  if (typeof time === 'string') return `time field ${template.timeField} ${time}`;
  const fields: Record<string, number> = {};
  for (const f of template.fields) {
    const v = at(f);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return v === undefined ? `has no field ${f}` : `field ${f} is not a number (${show(v)})`;
    }
    fields[f] = v;
  }
  const tags: Record<string, string> = {};
  for (const t of template.tags) {
    const v = at(t);
    if (v === undefined || v === null || v === '') continue;
    if (typeof v === 'object') return `tag ${t} is not a string, number or boolean (${show(v)})`;
    // line protocol has no escape for a backslash before the separator that ends a tag value
    if (typeof v === 'string' && v.endsWith('\\')) return `tag ${t} ends with a backslash (${show(v)})`;
    tags[t] = String(v);
  }
  return { measurement: template.measurement, time, tags, fields };
}
