import { Readable } from 'node:stream';
import { pino } from 'pino';
import { type CatalogEntry } from '../../src/datasources/catalog/catalog.js';
import { type StepContext } from '../../src/pipelines/step.js';

/** A STORED catalog entry as a step sees it; `fields` changes any of it. */
export function storedEntry(
  project: string,
  objectId: number,
  originalName: string,
  otherData: Record<string, unknown> | null = null,
  fields: Partial<CatalogEntry> = {},
): CatalogEntry {
  const now = new Date();
  return {
    project,
    objectId,
    key: `k${objectId}`,
    uploadId: `${project}-${objectId}`,
    owner: 'ana',
    contentType: 'text/csv',
    originalName,
    application: null,
    size: 0,
    sha256: null,
    createdAt: now,
    lastModified: now,
    status: 'STORED',
    successfulOperations: [],
    failedOperations: [],
    otherData,
    metrics: null,
    duplicateOf: null,
    idempotencyKey: null,
    expiresAt: null,
    upload: { method: 'STREAM', declaredSize: null, declaredSha256: null, multipartId: null, partSize: null },
    ...fields,
  };
}

export interface TestStepContext extends StepContext {
  /** Every progress message, in order. */
  messages: string[];
  /** How often the object was opened. */
  opens: number;
}

/**
 * A step context for `entry` whose object holds `content`, as the pipeline runner would build it; the run
 * id is `run-<project>-<objectId>` unless `overrides` says otherwise.
 */
export function stepContext(
  entry: CatalogEntry,
  content: string | Buffer,
  overrides: Partial<StepContext> = {},
): TestStepContext {
  const context: TestStepContext = {
    project: entry.project,
    entry,
    runId: `run-${entry.project}-${entry.objectId}`,
    options: {},
    messages: [],
    opens: 0,
    open: () => {
      context.opens++;
      // several chunks, so that records cross chunk boundaries as they do with a real object
      const bytes = Buffer.from(content);
      const chunks = Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) =>
        bytes.subarray(i * 4096, (i + 1) * 4096),
      );
      return Promise.resolve(Readable.from(chunks));
    },
    signal: new AbortController().signal,
    progress: (message) => context.messages.push(message),
    logger: pino({ level: 'silent' }),
    ...overrides,
  };
  return context;
}
