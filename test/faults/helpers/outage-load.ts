import { print, type FormattedExecutionResult } from 'graphql';
import {
  OutageViewDocument,
  type OutageViewQuery,
  UploadFileDocument,
  type UploadFileMutation,
} from '../../generated/graphql.js';
import { authHeaders, graphql, type TestGateway } from '../../helpers/gateway.js';
import { PNG } from '../../helpers/graph.js';

export interface CodedError {
  code: unknown;
  source: unknown;
  path: readonly (string | number)[] | undefined;
  /** The first line of the stack trace development mode sends: the store's own error, for the report. */
  cause: string | undefined;
}

/** One answer of the view query, with when it was asked and answered. */
export interface ViewSample {
  startedAt: number;
  endedAt: number;
  status: number;
  data: OutageViewQuery | null | undefined;
  errors: CodedError[];
}

/** One upload the load tried, and how it ended for the client. */
export interface UploadAttempt {
  name: string;
  size: number;
  startedAt: number;
  endedAt: number;
  objectId: number | null;
  /** The error's code when the upload failed with a GraphQL error. */
  error: CodedError | null;
  /** Set when no GraphQL answer arrived at all (connection broken, no answer in time). */
  transportError: string | null;
}

const UPLOAD_DEADLINE_MS = 120_000;

const codedErrors = (body: FormattedExecutionResult<unknown>): CodedError[] =>
  (body.errors ?? []).map((e) => ({
    code: e.extensions?.['code'],
    source: e.extensions?.['source'],
    path: e.path,
    cause: (e.extensions?.['stacktrace'] as string[] | undefined)?.[0],
  }));

/** The files the load sends in turn: readings for InfluxDB, rows for Cassandra, an image for Neo4j. */
export function loadFile(n: number): { name: string; type: string; content: Buffer; otherData: object } {
  switch (n % 3) {
    case 0: {
      const records = [0, 1, 2].map((i) => ({ t: Date.UTC(2026, 0, 1) + n * 1000 + i, v: n + i }));
      const template = { measurement: 'load', timeField: 't', timeFormat: 'ms', fields: ['v'] };
      return {
        name: `load-${n}.json`,
        type: 'application/json',
        content: Buffer.from(JSON.stringify(records)),
        otherData: { template },
      };
    }
    case 1:
      return {
        name: `load-${n}.csv`,
        type: 'text/csv',
        content: Buffer.from(`station,temp\ns${n},${n / 10}\nt${n},${n / 5}\n`),
        otherData: { table: { name: 'readings' } },
      };
    default:
      return {
        name: `load-${n}.png`,
        type: 'image/png',
        content: Buffer.concat([PNG, Buffer.from(`#${n}`)]),
        otherData: { imageContent: { mainObjects: ['cat'], secondaryObjects: [`thing${n % 5}`] } },
      };
  }
}

/**
 * A steady load on one gateway: `viewers` clients asking for the whole-lake view of one project, and one
 * client uploading files to another project, each pausing a little between requests. Everything it asks
 * and gets is kept for the checks.
 */
export class OutageLoad {
  readonly views: ViewSample[] = [];
  readonly uploads: UploadAttempt[] = [];
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly gateway: TestGateway,
    private readonly viewProject: string,
    private readonly uploadProject: string,
    private readonly viewers = 2,
    private readonly pauseMs = 150,
  ) {}

  start(): void {
    this.running = true;
    for (let i = 0; i < this.viewers; i++) this.loops.push(this.loop(() => this.view()));
    let n = 0;
    this.loops.push(this.loop(() => this.upload(n++)));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Resolves once `done()` holds, checking after each answer; rejects after `ms`. */
  async until(done: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`load: ${what} did not happen within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async loop(step: () => Promise<void>): Promise<void> {
    while (this.running) {
      await step();
      await new Promise((r) => setTimeout(r, this.pauseMs));
    }
  }

  private async view(): Promise<void> {
    const startedAt = Date.now();
    const { status, body } = await graphql(this.gateway, OutageViewDocument, { project: this.viewProject });
    this.views.push({ startedAt, endedAt: Date.now(), status, data: body.data, errors: codedErrors(body) });
  }

  private async upload(n: number): Promise<void> {
    const file = loadFile(n);
    const attempt: UploadAttempt = {
      name: file.name,
      size: file.content.length,
      startedAt: Date.now(),
      endedAt: 0,
      objectId: null,
      error: null,
      transportError: null,
    };
    const form = new FormData();
    const variables = { project: this.uploadProject, file: null, metadata: { otherData: file.otherData } };
    form.append('operations', JSON.stringify({ query: print(UploadFileDocument), variables }));
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([new Uint8Array(file.content)], { type: file.type }), file.name);
    try {
      const res = await fetch(this.gateway.graphqlUrl, {
        method: 'POST',
        body: form,
        headers: { 'apollo-require-preflight': 'true', ...authHeaders(this.gateway) },
        signal: AbortSignal.timeout(UPLOAD_DEADLINE_MS),
      });
      const body = (await res.json()) as FormattedExecutionResult<UploadFileMutation>;
      attempt.objectId = body.data?.uploadFile.object.objectId ?? null;
      attempt.error = codedErrors(body)[0] ?? null;
    } catch (error) {
      attempt.transportError = String(error);
    }
    attempt.endedAt = Date.now();
    this.uploads.push(attempt);
  }
}
