import { guard, publicEndpoint, StoreAnswerError } from '../guard.js';
import { type StoreConnection } from '../types.js';

export type DagRunState = 'queued' | 'running' | 'success' | 'failed';

export interface DagRun {
  dagId: string;
  dagRunId: string;
  state: DagRunState;
  conf: Record<string, unknown>;
}

export interface TaskInstance {
  taskId: string;
  state: string | null;
  tryNumber: number;
}

/** Airflow refused a request for a reason the caller can name (HTTP 400 or 404): not an outage. */
export class AirflowRefusal extends StoreAnswerError {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`Airflow answered HTTP ${status}: ${detail}`);
  }
}

/** The part of Airflow's stable REST API (/api/v1) that pipeline steps use. */
export interface Airflow {
  /** null: Airflow knows no such DAG. */
  isPaused(dagId: string): Promise<boolean | null>;
  unpause(dagId: string): Promise<void>;
  /** Starts a DAG run with this id; null when a run with this id exists already. */
  trigger(dagId: string, dagRunId: string, conf: Record<string, unknown>): Promise<DagRun | null>;
  /** null: no such DAG run. */
  dagRun(dagId: string, dagRunId: string): Promise<DagRun | null>;
  /** Clears a finished DAG run's tasks: the same run is queued and runs again. */
  rerun(dagId: string, dagRunId: string): Promise<void>;
  markFailed(dagId: string, dagRunId: string): Promise<void>;
  taskInstances(dagId: string, dagRunId: string): Promise<TaskInstance[]>;
}

export interface AirflowTimeouts {
  /** Deadline of a health check. */
  pingMs: number;
  /** Deadline of one call made by a pipeline step. */
  callMs: number;
}

/** Extra trust for an HTTPS Airflow (TLS_CA_FILE, client certificate). */
export interface AirflowTransport {
  dispatcher?: unknown;
}

interface RawDagRun {
  dag_id: string;
  dag_run_id: string;
  state: DagRunState;
  conf: Record<string, unknown> | null;
}

/**
 * Airflow 2.x over its stable REST API with basic auth. The credentials come from the URL's user info
 * and only ever travel in the Authorization header.
 */
export class AirflowClient implements Airflow, StoreConnection {
  readonly name = 'airflow';
  readonly kind = 'AIRFLOW' as const;
  readonly endpoint: string;
  private readonly api: string;
  private readonly authorization: string | undefined;

  constructor(
    url: string,
    private readonly timeouts: AirflowTimeouts,
    private readonly transport: AirflowTransport = {},
  ) {
    const u = new URL(url);
    this.endpoint = publicEndpoint(url);
    this.api = `${u.protocol}//${u.host}${u.pathname.replace(/\/$/, '')}/api/v1`;
    if (u.username) {
      const user = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
      this.authorization = `Basic ${Buffer.from(user).toString('base64')}`;
    }
  }

  /** The metadata database and the scheduler are healthy, and an authenticated call goes through. */
  async ping(): Promise<void> {
    await guard(this.name, this.timeouts.pingMs, async () => {
      const health = (await this.request('GET', '/health', this.timeouts.pingMs)) as {
        metadatabase?: { status?: string };
        scheduler?: { status?: string };
      };
      for (const part of ['metadatabase', 'scheduler'] as const) {
        if (health[part]?.status !== 'healthy') {
          throw Object.assign(new Error(`Airflow's ${part} is not healthy`), {
            code: `${part.toUpperCase()}_UNHEALTHY`,
          });
        }
      }
      await this.request('GET', '/dags?limit=1', this.timeouts.pingMs);
    });
  }

  async close(): Promise<void> {}

  async isPaused(dagId: string): Promise<boolean | null> {
    const dag = (await this.call('GET', dagPath(dagId), { 404: null })) as { is_paused: boolean } | null;
    return dag && dag.is_paused;
  }

  async unpause(dagId: string): Promise<void> {
    await this.call('PATCH', `${dagPath(dagId)}?update_mask=is_paused`, {}, { is_paused: false });
  }

  async trigger(dagId: string, dagRunId: string, conf: Record<string, unknown>): Promise<DagRun | null> {
    const run = await this.call(
      'POST',
      `${dagPath(dagId)}/dagRuns`,
      { 409: null },
      { dag_run_id: dagRunId, conf },
    );
    return run === null ? null : toDagRun(run as RawDagRun);
  }

  async dagRun(dagId: string, dagRunId: string): Promise<DagRun | null> {
    const run = await this.call('GET', dagRunPath(dagId, dagRunId), { 404: null });
    return run === null ? null : toDagRun(run as RawDagRun);
  }

  async rerun(dagId: string, dagRunId: string): Promise<void> {
    await this.call('POST', `${dagRunPath(dagId, dagRunId)}/clear`, {}, { dry_run: false });
  }

  async markFailed(dagId: string, dagRunId: string): Promise<void> {
    await this.call('PATCH', dagRunPath(dagId, dagRunId), {}, { state: 'failed' });
  }

  async taskInstances(dagId: string, dagRunId: string): Promise<TaskInstance[]> {
    const page = (await this.call('GET', `${dagRunPath(dagId, dagRunId)}/taskInstances`, {})) as {
      task_instances: { task_id: string; state: string | null; try_number: number }[];
    };
    return page.task_instances.map((t) => ({ taskId: t.task_id, state: t.state, tryNumber: t.try_number }));
  }

  /**
   * One guarded call. `expected` maps the statuses the caller handles to the value returned for them;
   * 400 and 404 otherwise raise an AirflowRefusal, anything else not 2xx is an outage.
   */
  private call(
    method: string,
    path: string,
    expected: Record<number, null>,
    body?: unknown,
  ): Promise<unknown> {
    return guard(this.name, this.timeouts.callMs, () =>
      this.request(method, path, this.timeouts.callMs, body, expected),
    );
  }

  private async request(
    method: string,
    path: string,
    timeoutMs: number,
    body?: unknown,
    expected: Record<number, null> = {},
  ): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.authorization) headers['authorization'] = this.authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.api}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      ...(this.transport.dispatcher !== undefined && { dispatcher: this.transport.dispatcher }),
    } as RequestInit).catch((error: unknown) => {
      throw socketError(error);
    });
    if (res.ok) return res.json();
    const detail = await problemDetail(res);
    if (res.status in expected) return expected[res.status];
    if (res.status === 400 || res.status === 404) throw new AirflowRefusal(res.status, detail);
    throw Object.assign(new Error(`Airflow answered HTTP ${res.status}: ${detail}`), {
      code: `HTTP_${res.status}`,
    });
  }
}

function dagPath(dagId: string): string {
  return `/dags/${encodeURIComponent(dagId)}`;
}

function dagRunPath(dagId: string, dagRunId: string): string {
  return `${dagPath(dagId)}/dagRuns/${encodeURIComponent(dagRunId)}`;
}

function toDagRun(raw: RawDagRun): DagRun {
  return { dagId: raw.dag_id, dagRunId: raw.dag_run_id, state: raw.state, conf: raw.conf ?? {} };
}

/** fetch reports a refused or reset connection as "fetch failed"; its cause has the code (ECONNREFUSED...). */
function socketError(error: unknown): unknown {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return cause instanceof Error && typeof cause.code === 'string' ? cause : error;
}

/** Airflow answers errors as RFC 7807 problems: { title, detail, status }. */
async function problemDetail(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const problem = JSON.parse(text) as { detail?: unknown; title?: unknown };
    return String(problem.detail ?? problem.title ?? res.statusText);
  } catch {
    return text.slice(0, 200) || res.statusText;
  }
}
