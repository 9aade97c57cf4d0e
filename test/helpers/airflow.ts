import assert from 'node:assert/strict';
import { type CatalogEntry } from '../../src/datasources/catalog/catalog.js';
import { stepContext, storedEntry, type TestStepContext } from './step-context.js';

/** The DAG of the test stack (scripts/stack/airflow/dags): fails when its conf says `fail: true`. */
export const TEST_DAG = 'lakegate_process';

/** A stored CSV object of 12 bytes, as the airflow step hands it to a DAG. */
export function airflowEntry(project: string, objectId: number): CatalogEntry {
  return storedEntry(project, objectId, `readings-${objectId}.csv`, null, {
    key: `objects/${objectId}`,
    size: 12,
    sha256: 'a'.repeat(64),
    upload: { method: 'STREAM', declaredSize: 12, declaredSha256: null, multipartId: null, partSize: null },
  });
}

/** A step context for the airflow step, whose object is never read. */
export function airflowContext(
  entry: CatalogEntry,
  runId: string,
  options: Record<string, unknown>,
  signal = new AbortController().signal,
): TestStepContext {
  return stepContext(entry, 't,v\n1,2\n3,4\n', { runId, options, signal });
}

/** Airflow's REST API called directly, without the gateway's client: what Airflow really holds. */
export async function airflowApi(airflowUrl: string, path: string, init: RequestInit = {}): Promise<unknown> {
  const u = new URL(airflowUrl);
  const auth = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString(
    'base64',
  );
  const res = await fetch(`${u.origin}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
  });
  assert.ok(res.ok, `${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${await res.clone().text()}`);
  return res.json();
}

export interface RawDagRun {
  dag_run_id: string;
  state: string;
  conf: Record<string, unknown>;
}

/** The test DAG's runs started since `since` whose conf carries this lineage run id. */
export async function dagRunsOf(airflowUrl: string, runId: string, since: Date): Promise<RawDagRun[]> {
  const query = new URLSearchParams({ execution_date_gte: since.toISOString(), limit: '100' });
  const page = (await airflowApi(airflowUrl, `/dags/${TEST_DAG}/dagRuns?${query}`)) as {
    dag_runs: RawDagRun[];
  };
  return page.dag_runs.filter((r) => r.conf['runId'] === runId);
}
