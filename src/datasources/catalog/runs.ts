/** Pipeline runs, kept in the catalog database next to the entries they process. */

export type RunStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface StepRun {
  name: string;
  status: RunStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Records the step wrote. */
  count: number | null;
  message: string | null;
}

export interface RunError {
  code: string;
  message: string;
  step: string | null;
}

export interface RunRecord {
  /** The same for every attempt of one (project, object, object version, pipeline). */
  runId: string;
  project: string;
  objectId: number;
  /** The SHA-256 of the object the run processes. */
  objectVersion: string;
  pipeline: string;
  status: RunStatus;
  /** 1 for the first execution; retries and recoveries count up. */
  attempt: number;
  steps: StepRun[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  lastModified: Date;
  error: RunError | null;
  cancelRequested: boolean;
  /**
   * While RUNNING: the runner renews it; past it, the runner is presumed dead and the run is queued again.
   * Once finished: set until the runner has reported the end; past it, the sweep reports it.
   */
  leaseUntil: Date | null;
}

export type RunMatch = Partial<Pick<RunRecord, 'attempt' | 'lastModified'>>;

export type RunChanges = Partial<Omit<RunRecord, 'runId' | 'project' | 'objectId' | 'createdAt'>>;

export interface RunStore {
  /** DuplicateKeyError when the run id exists. */
  insertRun(run: RunRecord): Promise<void>;
  /** In the order asked, null for unknown ids: the batch behind the run loader. */
  runs(runIds: readonly string[]): Promise<(RunRecord | null)[]>;
  /** Every run of these objects, newest first: the batch behind `DataObject.runs`. */
  runsOfEntries(project: string, objectIds: readonly number[]): Promise<RunRecord[]>;
  /**
   * Applies the changes only if the run is in one of the `expected` statuses and has the values `match`
   * gives (an attempt; a lastModified, for "unchanged since read"); null when it was not.
   */
  updateRun(
    runId: string,
    expected: readonly RunStatus[],
    changes: RunChanges,
    match?: RunMatch,
  ): Promise<RunRecord | null>;
  /**
   * Up to `limit` runs whose lease has passed (RUNNING: their runner died; finished: it died before it
   * reported the end), then up to `limit` QUEUED runs not touched since `queuedBefore`, oldest first.
   */
  staleRuns(now: Date, queuedBefore: Date, limit: number): Promise<RunRecord[]>;
}
