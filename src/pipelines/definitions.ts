import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type CatalogEntry } from '../datasources/catalog/catalog.js';

/** The steps lakegate ships; a definition naming another step is refused at start-up. */
export const STEP_NAMES = ['json-to-influx', 'image-to-neo4j', 'csv-to-cassandra', 'airflow'] as const;

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

const definitionsSchema = z
  .object({
    pipelines: z.record(
      z.string().regex(NAME, 'pipeline names are lower-case letters, digits and -'),
      z
        .object({
          description: z.string().optional(),
          steps: z
            .array(
              z
                .object({
                  step: z.enum(STEP_NAMES),
                  options: z.record(z.unknown()).default({}),
                })
                .strict(),
            )
            .min(1),
        })
        .strict(),
    ),
    rules: z
      .array(
        z
          .object({
            /** Exact project name; omitted: every project. */
            project: z.string().optional(),
            /** Exact content type or `type/*`; omitted: any. */
            contentType: z.string().optional(),
            /** The entry's dataProcessing value this rule applies to; omitted: `default`. */
            dataProcessing: z.string().default('default'),
            pipeline: z.string(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (hasPipeline(d, 'default')) {
      ctx.addIssue({
        code: 'custom',
        path: ['pipelines', 'default'],
        message: '"default" means "by the rules"',
      });
    }
    d.rules.forEach((r, i) => {
      if (!hasPipeline(d, r.pipeline))
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'pipeline'],
          message: `no pipeline ${r.pipeline}`,
        });
    });
  });

export type PipelineDefinitions = z.infer<typeof definitionsSchema>;
export type PipelineDefinition = PipelineDefinitions['pipelines'][string];

/** Used when PIPELINES_FILE is not set: a pipeline per built-in gold step, chosen by content type. */
export const BUILT_IN_PIPELINES: PipelineDefinitions = definitionsSchema.parse({
  pipelines: {
    timeseries: {
      description: 'JSON records to InfluxDB points, mapped by otherData.template',
      steps: [{ step: 'json-to-influx' }],
    },
    tables: {
      description: 'CSV rows to a Cassandra table of the project keyspace',
      steps: [{ step: 'csv-to-cassandra' }],
    },
    graph: {
      description: 'An annotated image (otherData.imageContent) to the Neo4j graph',
      steps: [{ step: 'image-to-neo4j' }],
    },
  },
  rules: [
    { contentType: 'application/json', pipeline: 'timeseries' },
    { contentType: 'application/x-ndjson', pipeline: 'timeseries' },
    { contentType: 'text/csv', pipeline: 'tables' },
    { contentType: 'image/jpeg', pipeline: 'graph' },
    { contentType: 'image/png', pipeline: 'graph' },
  ],
});

/** Reads and checks a definitions file; the error names the file and every bad path. */
export function loadPipelineDefinitions(path: string): PipelineDefinitions {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`pipelines file ${path}: ${(error as Error).message}`);
  }
  const parsed = definitionsSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`pipelines file ${path} is not valid:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Whether `name` is a pipeline of the file: own keys only, so "constructor" or "__proto__" is none. */
export function hasPipeline(definitions: Pick<PipelineDefinitions, 'pipelines'>, name: string): boolean {
  return Object.hasOwn(definitions.pipelines, name);
}

function typeMatches(pattern: string | undefined, type: string): boolean {
  if (pattern === undefined) return true;
  return pattern.endsWith('/*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/**
 * The pipeline an entry gets: the one its dataProcessing names, or for `default` the first rule that
 * matches its project and content type; null when none applies.
 */
export function selectPipeline(definitions: PipelineDefinitions, entry: CatalogEntry): string | null {
  const wanted = entry.dataProcessing ?? 'default';
  if (wanted !== 'default' && hasPipeline(definitions, wanted)) return wanted;
  const rule = definitions.rules.find(
    (r) =>
      r.dataProcessing === wanted &&
      (r.project === undefined || r.project === entry.project) &&
      typeMatches(r.contentType, entry.contentType),
  );
  return rule?.pipeline ?? null;
}
