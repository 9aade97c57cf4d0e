import { type Readable } from 'node:stream';
import { type CatalogEntry } from '../datasources/catalog/catalog.js';
import { type Logger } from '../logger.js';

/** What a step gets: one STORED object, the run it belongs to, and its options from the pipeline file. */
export interface StepContext {
  project: string;
  entry: CatalogEntry;
  /**
   * The run's id: the same for every attempt of one (object, object version, pipeline), so a step that
   * writes its gold records keyed by it overwrites, never duplicates, what an earlier attempt wrote.
   */
  runId: string;
  /** The step's options from the pipeline definition (already checked against the step's schema). */
  options: Record<string, unknown>;
  /** The object's bytes, from the raw zone. */
  open(): Promise<Readable>;
  /** Aborted when the run is cancelled: stop between batches. */
  signal: AbortSignal;
  /** A progress event on the ingestion feed (throttled by the runner). */
  progress(message: string, count?: number): void;
  logger: Logger;
}

export interface StepResult {
  /** Records written (points, rows, nodes and relationships...). */
  count: number;
  message: string;
}

/**
 * A built-in pipeline step. A step validates its input first (a bad template fails with BAD_USER_INPUT
 * before anything is written), writes idempotently, and throws a LakegateError (or lets the datasource's
 * SourceUnavailableError through) when it cannot finish.
 */
export interface Step {
  readonly name: string;
  run(context: StepContext): Promise<StepResult>;
}
