import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type Client } from 'graphql-ws';
import { ingestionTopic } from '../../src/ingestion/feed.js';
import { runIdOf } from '../../src/pipelines/runs.js';
import { buildLakegateSchema } from '../../src/schema/build-schema.js';
import { timeSeriesTopic } from '../../src/subscriptions/timeseries-topic.js';
import {
  AuthzAbortUploadDocument,
  type AuthzAbortUploadMutation,
  AuthzCancelRunDocument,
  AuthzCompleteUploadDocument,
  type AuthzCompleteUploadMutation,
  AuthzCreateProjectDocument,
  type AuthzCreateProjectMutation,
  AuthzCreateUploadDocument,
  type AuthzCreateUploadMutation,
  AuthzImageDocument,
  type AuthzImageQuery,
  AuthzIngestionEventsDocument,
  type AuthzIngestionEventsSubscription,
  type AuthzObjectFragment,
  AuthzObjectDocument,
  type AuthzObjectQuery,
  AuthzObjectsDocument,
  type AuthzObjectsQuery,
  AuthzPipelinesDocument,
  type AuthzPipelinesQuery,
  AuthzProjectDocument,
  type AuthzProjectQuery,
  AuthzProjectsDocument,
  type AuthzProjectsQuery,
  AuthzRetryRunDocument,
  AuthzRunDocument,
  type AuthzRunQuery,
  AuthzSourcesDocument,
  type AuthzSourcesQuery,
  AuthzTableRowsDocument,
  type AuthzTableRowsQuery,
  AuthzThingDocument,
  type AuthzThingQuery,
  AuthzTimeSeriesDocument,
  type AuthzTimeSeriesQuery,
  AuthzTimeSeriesPointsDocument,
  type AuthzTimeSeriesPointsSubscription,
  AuthzTriggerPipelineDocument,
  type AuthzTriggerPipelineMutation,
  AuthzUpdateProjectDocument,
  type AuthzUpdateProjectMutation,
  type UploadFileMutation,
  WatchSourcesDocument,
  type WatchSourcesSubscription,
} from '../generated/graphql.js';
import {
  type Answer,
  assertNotRefused,
  assertRefused,
  assertShowsNone,
  type Caller,
  clientOf,
  codesOf,
  type Feed,
  follow,
  headersOf,
  holds,
  type Level,
  LEVELS,
  type Need,
} from '../helpers/authorization.js';
import { freshMongoUrl } from '../helpers/backends.js';
import { tapEvents } from '../helpers/events.js';
import { graphql, startTestGateway, type TestGateway, wsClient } from '../helpers/gateway.js';
import { PNG } from '../helpers/graph.js';
import { createProject, uploadFile } from '../helpers/lake.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';

const MEASUREMENT = 'weather';
const template = { measurement: MEASUREMENT, timeField: 'at', fields: ['temp'], tags: ['city'] };
const DAY = Date.UTC(2026, 10, 1);
/** Ten readings of `day` (0: 2026-11-01), all in `city`. */
const readings = (city: string, day: number) =>
  Array.from({ length: 10 }, (_, i) => ({
    at: new Date(DAY + day * 86_400_000 + i * 60_000).toISOString(),
    city,
    temp: 10 + i,
  }));
const RANGE = { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' };
/** Every presigned URL (download or upload) carries it. */
const PRESIGNED = 'X-Amz-Signature';

/** One project's gold data, each file name or value carrying the project's marker. */
interface Slice {
  name: string;
  marker: string;
  weather: number;
  stations: number;
  image: number;
  weatherRun: string;
  runs: string[];
  table: string;
  /** A presigned upload nobody completes. */
  pendingUpload: string;
}

const CALLERS: Caller[] = LEVELS.map((level) => ({
  level,
  token: null,
  name: {
    anonymous: 'anonymous',
    authenticated: 'outsider (editor of B)',
    viewer: 'viewer of A',
    editor: 'editor of A',
    admin: 'admin of A',
    platformAdmin: 'platform admin',
  }[level],
}));
const callerAt = (level: Level) => CALLERS.find((c) => c.level === level)!;
const outsider = callerAt('authenticated');

let gateway: TestGateway;
let A: Slice;
let B: Slice;
/** What A shows of itself that nobody without a role in A may see. */
const secretsOfA = () => [A.marker, A.name, A.pendingUpload, ...A.runs];
const dataOf = <T>(answer: Answer) => answer.body.data as T;
const isPresigned = (url: string | null | undefined) => typeof url === 'string' && url.includes(PRESIGNED);

async function ask<T, V>(document: TypedDocumentNode<T, V>, variables: V, caller: Caller): Promise<Answer> {
  const { status, body } = await graphql(gateway, document, variables, headersOf(caller));
  return { status, body: body as Answer['body'], sent: JSON.stringify(variables) };
}

/** A presigned upload of `content` started by the platform admin; with `put`, its bytes are sent. */
async function presignedUpload(project: string, fileName: string, content: string, put = false) {
  const { body } = await graphql(gateway, AuthzCreateUploadDocument, {
    input: { project, fileName, contentType: 'text/plain', size: Buffer.byteLength(content) },
  });
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  const { uploadId, request } = body.data!.createUpload;
  if (put) {
    const headers = Object.fromEntries(request!.headers.map((h) => [h.name, h.value]));
    const res = await fetch(request!.url, { method: 'PUT', headers, body: content });
    assert.equal(res.status, 200, await res.text());
  }
  return uploadId;
}

/** The platform admin's view of a project's objects. */
async function objectsOf(project: string): Promise<AuthzObjectFragment[]> {
  const { body } = await graphql(gateway, AuthzObjectsDocument, { project });
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data!.objects.nodes;
}

/** What a refused mutation must leave as it is: A's objects, their runs and A's profile. */
async function stateOfA() {
  const objects = (await objectsOf(A.name)).map((o) => ({
    objectId: o.objectId,
    originalName: o.originalName,
    status: o.status,
    runs: o.runs.map((r) => [r.runId, r.status, r.attempt]),
  }));
  const { body } = await graphql(gateway, AuthzProjectDocument, { name: A.name });
  return { objects, profile: body.data?.project?.profile };
}

async function uploadAsAdmin(
  project: string,
  name: string,
  type: string,
  content: Buffer,
  otherData: unknown,
) {
  const { body } = await uploadFile(gateway, { project, metadata: { otherData } }, { name, type, content });
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data!.uploadFile.object.objectId;
}

/** Uploads a JSON file of readings, a CSV file and an annotated image, and waits for their runs. */
async function seed(project: string, marker: string): Promise<Slice> {
  const ws = wsClient(gateway);
  const tap = tapEvents(ws, { project, after: 0 });
  try {
    await uploadAsAdmin(
      project,
      `${marker}-weather.json`,
      'application/json',
      Buffer.from(JSON.stringify(readings(marker, 0))),
      { template },
    );
    await uploadAsAdmin(
      project,
      'stations.csv',
      'text/csv',
      Buffer.from(`station,temp\n${marker}-s1,12.5\n${marker}-s2,13.0\n`),
      null,
    );
    await uploadAsAdmin(project, `${marker}-a.png`, 'image/png', PNG, {
      imageContent: { mainObjects: ['cat'], secondaryObjects: ['sofa'] },
    });
    const ends = () =>
      tap.events.filter((e) => e.type === 'PIPELINE_SUCCEEDED' || e.type === 'PIPELINE_FAILED');
    await tap.until(() => ends().length === 3, 180_000);
    assert.deepEqual(
      ends().map((e) => e.type),
      ['PIPELINE_SUCCEEDED', 'PIPELINE_SUCCEEDED', 'PIPELINE_SUCCEEDED'],
      JSON.stringify(tap.events.filter((e) => e.code)),
    );
  } finally {
    tap.stop();
    await ws.dispose();
  }
  const byName = new Map((await objectsOf(project)).map((o) => [o.originalName, o]));
  const weather = byName.get(`${marker}-weather.json`)!;
  const stations = byName.get('stations.csv')!;
  return {
    name: project,
    marker,
    weather: weather.objectId,
    stations: stations.objectId,
    image: byName.get(`${marker}-a.png`)!.objectId,
    weatherRun: weather.runs[0]!.runId,
    runs: [...byName.values()].flatMap((o) => o.runs.map((r) => r.runId)),
    table: stations.derived.tables![0]!.name,
    pendingUpload: await presignedUpload(project, 'pending.txt', 'never'),
  };
}

/** One root field: the least it needs on the project, how to ask it, what a caller holding that gets. */
interface Row {
  field: string;
  needs: Need;
  /** `permitted`: the caller holds the role (fresh resources then, where the field uses one up). */
  send?(caller: Caller, target: Slice, permitted: boolean): Promise<Answer>;
  granted?(answer: Answer, target: Slice, caller: Caller): void;
  /** Subscriptions: follows the field on the target over the client's socket. */
  follow?(client: Client, target: Slice): Feed<unknown>;
}

/** Names of projects the refused createProject calls asked for: none may exist afterwards. */
const refusedProjectNames: string[] = [];

const ROWS: Row[] = [
  {
    field: 'Query.image',
    needs: 'viewer',
    send: (c, t) => ask(AuthzImageDocument, { project: t.name, objectId: t.image }, c),
    granted: (answer, t) => {
      const image = dataOf<AuthzImageQuery>(answer).image!;
      assert.deepEqual(
        image.things.map((x) => x.name),
        ['cat', 'sofa'],
      );
      assert.equal(image.source.object?.originalName, `${t.marker}-a.png`);
      assert.ok(isPresigned(image.source.object?.downloadUrl));
      assert.deepEqual(
        image.similarImages,
        [],
        "the other project's image with the same things is not similar",
      );
    },
  },
  {
    field: 'Query.object',
    needs: 'viewer',
    send: (c, t) => ask(AuthzObjectDocument, { project: t.name, objectId: t.weather }, c),
    granted: (answer, t) => {
      const object = dataOf<AuthzObjectQuery>(answer).object!;
      assert.equal(object.originalName, `${t.marker}-weather.json`);
      assert.ok(isPresigned(object.downloadUrl));
      assert.match(object.preview!.text!, new RegExp(t.marker));
      assert.equal(object.derived.series![0]!.source.run?.runId, t.weatherRun);
    },
  },
  {
    field: 'Query.objects',
    needs: 'viewer',
    send: (c, t) => ask(AuthzObjectsDocument, { project: t.name }, c),
    granted: (answer, t) => {
      const names = dataOf<AuthzObjectsQuery>(answer).objects.nodes.map((o) => o.originalName);
      for (const name of [`${t.marker}-weather.json`, 'stations.csv', `${t.marker}-a.png`, 'pending.txt'])
        assert.ok(names.includes(name), name);
    },
  },
  {
    field: 'Query.pipelines',
    needs: 'authenticated',
    send: (c) => ask(AuthzPipelinesDocument, {}, c),
    granted: (answer) =>
      assert.deepEqual(
        dataOf<AuthzPipelinesQuery>(answer).pipelines.map((p) => p.name),
        ['graph', 'tables', 'timeseries'],
      ),
  },
  {
    field: 'Query.project',
    needs: 'viewer',
    send: (c, t) => ask(AuthzProjectDocument, { name: t.name }, c),
    granted: (answer, t) => assert.equal(dataOf<AuthzProjectQuery>(answer).project?.name, t.name),
  },
  {
    field: 'Query.projects',
    needs: 'authenticated',
    send: (c) => ask(AuthzProjectsDocument, {}, c),
    granted: (answer, _t, caller) => {
      const names = dataOf<AuthzProjectsQuery>(answer).projects.map((p) => p.name);
      if (caller.level === 'platformAdmin') assert.ok(names.includes(A.name) && names.includes(B.name));
      else assert.deepEqual(names, [caller === outsider ? B.name : A.name]);
    },
  },
  {
    field: 'Query.run',
    needs: 'viewer',
    send: (c, t) => ask(AuthzRunDocument, { runId: t.weatherRun }, c),
    granted: (answer, t) => {
      const run = dataOf<AuthzRunQuery>(answer).run!;
      assert.deepEqual([run.runId, run.project, run.status], [t.weatherRun, t.name, 'SUCCEEDED']);
      assert.equal(run.object?.originalName, `${t.marker}-weather.json`);
      assert.ok(isPresigned(run.object?.downloadUrl));
    },
  },
  {
    field: 'Query.sources',
    needs: 'authenticated',
    send: (c) => ask(AuthzSourcesDocument, {}, c),
    granted: (answer) => {
      const sources = dataOf<AuthzSourcesQuery>(answer).sources;
      assert.ok(sources.some((s) => s.name === 'tables' && s.status === 'UP'));
    },
  },
  {
    field: 'Query.tableRows',
    needs: 'viewer',
    send: (c, t) =>
      ask(
        AuthzTableRowsDocument,
        { project: t.name, table: t.table, partitionKey: { object_id: t.stations } },
        c,
      ),
    granted: (answer, t) =>
      assert.deepEqual(
        (dataOf<AuthzTableRowsQuery>(answer).tableRows.rows as { station: string }[]).map((r) => r.station),
        [`${t.marker}-s1`, `${t.marker}-s2`],
      ),
  },
  {
    field: 'Query.thing',
    needs: 'viewer',
    send: (c, t) => ask(AuthzThingDocument, { project: t.name, name: 'cat' }, c),
    granted: (answer, t) => {
      const thing = dataOf<AuthzThingQuery>(answer).thing!;
      assert.equal(thing.imageCount, 1, 'only the images of the project');
      assert.equal(thing.images[0]!.source.object?.originalName, `${t.marker}-a.png`);
    },
  },
  {
    field: 'Query.timeSeries',
    needs: 'viewer',
    send: (c, t) => ask(AuthzTimeSeriesDocument, { project: t.name, measurement: MEASUREMENT, ...RANGE }, c),
    granted: (answer, t) => {
      const series = dataOf<AuthzTimeSeriesQuery>(answer).timeSeries;
      assert.deepEqual(
        series.map((s) => [s.tags, s.points.length, s.source?.runId, s.source?.object?.originalName]),
        [[{ city: t.marker }, 10, t.weatherRun, `${t.marker}-weather.json`]],
      );
    },
  },
  {
    field: 'Mutation.abortUpload',
    needs: 'editor',
    send: async (c, t, permitted) =>
      ask(
        AuthzAbortUploadDocument,
        {
          uploadId: permitted
            ? await presignedUpload(t.name, `${t.marker}-aborted.txt`, 'abort')
            : t.pendingUpload,
        },
        c,
      ),
    granted: (answer, t) => {
      const object = dataOf<AuthzAbortUploadMutation>(answer).abortUpload;
      assert.deepEqual([object.originalName, object.status], [`${t.marker}-aborted.txt`, 'FAILED']);
    },
  },
  {
    field: 'Mutation.cancelRun',
    needs: 'editor',
    send: (c, t) => ask(AuthzCancelRunDocument, { runId: t.weatherRun }, c),
    // past authorization: a finished run is not cancelled
    granted: (answer) => assert.deepEqual(codesOf(answer.body.errors), ['CONFLICT']),
  },
  {
    field: 'Mutation.completeUpload',
    needs: 'editor',
    send: async (c, t, permitted) =>
      ask(
        AuthzCompleteUploadDocument,
        {
          uploadId: permitted
            ? await presignedUpload(t.name, `${t.marker}-completed.txt`, 'complete', true)
            : t.pendingUpload,
        },
        c,
      ),
    granted: (answer, t) => {
      const { object } = dataOf<AuthzCompleteUploadMutation>(answer).completeUpload;
      assert.deepEqual([object.originalName, object.status], [`${t.marker}-completed.txt`, 'STORED']);
      assert.ok(isPresigned(object.downloadUrl));
    },
  },
  {
    field: 'Mutation.createProject',
    needs: 'platformAdmin',
    send: (c, _t, permitted) => {
      const name = uniqueName('made');
      if (!permitted) refusedProjectNames.push(name);
      return ask(AuthzCreateProjectDocument, { name }, c);
    },
    granted: (answer) =>
      assert.match(dataOf<AuthzCreateProjectMutation>(answer).createProject.name, /^made-/),
  },
  {
    field: 'Mutation.createUpload',
    needs: 'editor',
    send: (c, t, permitted) =>
      ask(
        AuthzCreateUploadDocument,
        {
          input: {
            project: t.name,
            fileName: permitted ? `${t.marker}-presigned.txt` : 'refused.txt',
            contentType: 'text/plain',
            size: 5,
          },
        },
        c,
      ),
    granted: (answer, t) => {
      const created = dataOf<AuthzCreateUploadMutation>(answer).createUpload;
      assert.equal(created.object.originalName, `${t.marker}-presigned.txt`);
      assert.ok(isPresigned(created.request?.url));
    },
  },
  {
    field: 'Mutation.retryRun',
    needs: 'editor',
    send: (c, t) => ask(AuthzRetryRunDocument, { runId: t.weatherRun }, c),
    // past authorization: a run that succeeded is not retried
    granted: (answer) => assert.deepEqual(codesOf(answer.body.errors), ['CONFLICT']),
  },
  {
    field: 'Mutation.triggerPipeline',
    needs: 'editor',
    send: (c, t) => ask(AuthzTriggerPipelineDocument, { project: t.name, objectId: t.weather }, c),
    granted: (answer, t) => {
      const { replayed, run } = dataOf<AuthzTriggerPipelineMutation>(answer).triggerPipeline;
      assert.deepEqual(
        [replayed, run.runId, run.object?.originalName],
        [true, t.weatherRun, `${t.marker}-weather.json`],
      );
    },
  },
  {
    field: 'Mutation.updateProject',
    needs: 'admin',
    send: (c, t, permitted) =>
      ask(
        AuthzUpdateProjectDocument,
        {
          name: t.name,
          profile: permitted ? { pipelineOnUpload: true } : { pipelineOnUpload: false, maxFiles: 1 },
        },
        c,
      ),
    granted: (answer, t) => {
      const project = dataOf<AuthzUpdateProjectMutation>(answer).updateProject;
      assert.deepEqual([project.name, project.profile.pipelineOnUpload], [t.name, true]);
    },
  },
  {
    field: 'Mutation.uploadFile',
    needs: 'editor',
    send: async (c, t, permitted) => {
      const name = permitted ? `${t.marker}-streamed.txt` : 'refused.txt';
      const { status, body } = await uploadFile(
        gateway,
        { project: t.name },
        { name, type: 'text/plain', content: Buffer.from('streamed') },
        headersOf(c),
      );
      return { status, body: body as Answer['body'], sent: JSON.stringify({ project: t.name, name }) };
    },
    granted: (answer, t) => {
      const { object } = dataOf<{ uploadFile: UploadFileMutation['uploadFile'] }>(answer).uploadFile;
      assert.deepEqual([object.originalName, object.status], [`${t.marker}-streamed.txt`, 'STORED']);
    },
  },
  {
    field: 'Subscription.ingestionEvents',
    needs: 'viewer',
    // `after: 0` replays the project's log first: a permitted follower gets its events at once
    follow: (client, t) => follow(client, AuthzIngestionEventsDocument, { project: t.name, after: 0 }),
  },
  {
    field: 'Subscription.sources',
    needs: 'authenticated',
    follow: (client) => follow(client, WatchSourcesDocument, {}),
  },
  {
    field: 'Subscription.timeSeriesPoints',
    needs: 'viewer',
    follow: (client, t) =>
      follow(client, AuthzTimeSeriesPointsDocument, { project: t.name, measurement: MEASUREMENT }),
  },
];

const overHttp = ROWS.filter((r) => r.send);
const fieldName = (row: Row) => row.field.split('.')[1]!;

/** The caller's token: none, a role in A (the outsider: editor of B only), or the platform admin's. */
function tokenOf(level: Level, a: string, b: string): Promise<string | null> | string | null {
  switch (level) {
    case 'anonymous':
      return null;
    case 'platformAdmin':
      return gateway.adminToken;
    case 'authenticated':
      return gateway.token({ subject: 'outsider', projects: { [b]: 'editor' } });
    default:
      return gateway.token({ subject: `${level}-of-a`, projects: { [a]: level } });
  }
}

/** Waits for a condition nothing announces; `ms` is a deadline for the failure message only. */
async function eventually(test: () => boolean, what: string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('per-project authorization: every root field refuses callers without the role, and shows them nothing', () => {
  let stateBefore: Awaited<ReturnType<typeof stateOfA>>;
  before(async () => {
    gateway = await startTestGateway({
      S3_URL: stackUrl('MINIO_S3_URL'),
      MONGODB_URL: freshMongoUrl(),
      INFLUX_URL: stackUrl('INFLUX_URL'),
      INFLUX_TOKEN: stackUrl('INFLUX_TOKEN'),
      INFLUX_ORG: stackUrl('INFLUX_ORG'),
      NEO4J_URL: stackUrl('NEO4J_URL'),
      CASSANDRA_URL: stackUrl('CASSANDRA_URL'),
    });
    const [a, b] = [
      await createProject(gateway, { pipelineOnUpload: true }, uniqueName('a')),
      await createProject(gateway, { pipelineOnUpload: true }, uniqueName('b')),
    ];
    for (const caller of CALLERS) caller.token = await tokenOf(caller.level, a, b);
    [A, B] = await Promise.all([seed(a, uniqueName('marka')), seed(b, uniqueName('markb'))]);
    stateBefore = await stateOfA();
    assert.ok(
      stateBefore.objects.some((o) => o.status === 'PENDING'),
      'A has a pending presigned upload',
    );
  });
  after(() => gateway?.close());

  it('has a row for every root field of the schema', async () => {
    const schema = await buildLakegateSchema(gateway.services.pubSub);
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap(
      (type) => Object.keys(type!.getFields()).map((name) => `${type!.name}.${name}`),
    );
    assert.deepEqual(ROWS.map((r) => r.field).sort(), roots.sort());
    for (const row of ROWS) {
      const subscription = row.field.startsWith('Subscription.');
      assert.deepEqual([Boolean(row.follow), Boolean(row.send)], [subscription, !subscription], row.field);
    }
  });

  describe('callers below the role get UNAUTHENTICATED (anonymous) or FORBIDDEN, null data, nothing of A', () => {
    for (const row of overHttp) {
      it(`${row.field} needs ${row.needs}`, async () => {
        for (const caller of CALLERS.filter((c) => !holds(c, row.needs))) {
          const answer = await row.send!(caller, A, false);
          const what = `${row.field} as ${caller.name}`;
          const code = caller.token ? 'FORBIDDEN' : 'UNAUTHENTICATED';
          assertRefused(answer, fieldName(row), code, [...secretsOfA(), PRESIGNED], what);
          // multipart requests are turned away at the door, before their body is read
          if (!caller.token && row.field === 'Mutation.uploadFile') assert.equal(answer.status, 401, what);
        }
      });
    }

    it('refused mutations changed nothing: A has the same objects, runs and profile, no project was made', async () => {
      assert.deepEqual(await stateOfA(), stateBefore);
      assert.ok(refusedProjectNames.length > 0);
      for (const name of refusedProjectNames) {
        const { body } = await graphql(gateway, AuthzProjectDocument, { name });
        assert.deepEqual(body, { data: { project: null } }, name);
      }
    });

    it('refuses a run id of A and a run id that exists nowhere alike, naming no project', async () => {
      const nowhere = runIdOf(A.name, 9999, '0'.repeat(64), 'timeseries');
      const byRunId = {
        run: (runId: string) => ask(AuthzRunDocument, { runId }, outsider),
        retryRun: (runId: string) => ask(AuthzRetryRunDocument, { runId }, outsider),
        cancelRun: (runId: string) => ask(AuthzCancelRunDocument, { runId }, outsider),
      };
      for (const [field, send] of Object.entries(byRunId)) {
        const real = await send(A.weatherRun);
        const missing = await send(nowhere);
        assertRefused(real, field, 'FORBIDDEN', secretsOfA(), `${field} of A's run`);
        assertRefused(missing, field, 'FORBIDDEN', secretsOfA(), `${field} of no run`);
        assert.equal(
          real.body.errors![0]!.message.replace(A.weatherRun, '<run>'),
          missing.body.errors![0]!.message.replace(nowhere, '<run>'),
        );
      }
      const admin = callerAt('platformAdmin');
      assert.deepEqual((await ask(AuthzRunDocument, { runId: nowhere }, admin)).body, {
        data: { run: null },
      });
      assert.deepEqual(codesOf((await ask(AuthzRetryRunDocument, { runId: nowhere }, admin)).body.errors), [
        'NOT_FOUND',
      ]);
    });
  });

  describe('callers holding the role are not refused, and get A', () => {
    for (const row of overHttp) {
      it(`${row.field} needs ${row.needs}`, async () => {
        for (const caller of CALLERS.filter((c) => holds(c, row.needs))) {
          const answer = await row.send!(caller, A, true);
          assertNotRefused(answer, `${row.field} as ${caller.name}`);
          row.granted?.(answer, A, caller);
        }
      });
    }
  });

  it('gives the outsider its own project B through every field, with nothing of A in any lineage or URL', async () => {
    for (const row of overHttp) {
      const what = `${row.field} on B as the outsider`;
      const permitted = holds({ ...outsider, level: 'editor' }, row.needs);
      const answer = await row.send!(outsider, B, permitted);
      if (permitted) {
        assertNotRefused(answer, what);
        row.granted?.(answer, B, outsider);
      } else {
        assert.deepEqual(codesOf(answer.body.errors), ['FORBIDDEN'], what);
      }
      assertShowsNone(JSON.stringify(answer.body), answer.sent, secretsOfA(), what);
    }
  });

  it('subscriptions: refused callers get FORBIDDEN (anonymous sockets 4403) and no event while A gets new points; B feeds carry B only', async () => {
    const pubSub = gateway.services.pubSub;
    const subscribe = pubSub.subscribe.bind(pubSub);
    const topics: string[] = [];
    pubSub.subscribe = (topic: string, id?: unknown) => {
      topics.push(topic);
      return subscribe(topic, id);
    };
    const clients: Client[] = [];
    try {
      const feeds = CALLERS.flatMap((caller) => {
        const client = clientOf(gateway, caller);
        clients.push(client);
        return ROWS.filter((r) => r.follow).map((row) => ({ row, caller, feed: row.follow!(client, A) }));
      });
      const ownClient = clientOf(gateway, outsider);
      clients.push(ownClient);
      const own = {
        events: follow(ownClient, AuthzIngestionEventsDocument, { project: B.name, after: 0 }),
        points: follow(ownClient, AuthzTimeSeriesPointsDocument, {
          project: B.name,
          measurement: MEASUREMENT,
        }),
      };
      const permitted = feeds.filter((f) => holds(f.caller, f.row.needs));
      const refused = feeds.filter((f) => !holds(f.caller, f.row.needs));
      const of = (field: string) => permitted.filter((f) => f.row.field === `Subscription.${field}`);

      for (const f of refused)
        await f.feed.until((x) => x.done, `${f.row.field} on A as ${f.caller.name} ends`);
      // replayed events (and the first list of sources) arrive at once; points only once the gateway
      // has subscribed each follower to the topic
      for (const f of [...of('ingestionEvents'), ...of('sources')])
        await f.feed.until((x) => x.data.length > 0, `${f.row.field} as ${f.caller.name}`);
      await own.events.until((x) => x.data.length > 0, "the outsider's ingestionEvents on B");
      const pointsTopic = (s: Slice) => timeSeriesTopic(s.name, MEASUREMENT);
      await eventually(
        () =>
          topics.filter((t) => t === pointsTopic(A)).length === of('timeSeriesPoints').length &&
          topics.includes(pointsTopic(B)),
        'timeSeriesPoints subscriptions',
      );

      type Event = AuthzIngestionEventsSubscription['ingestionEvents'];
      const succeeded = (objectId: number) => (x: Feed<unknown>) =>
        (x.data as AuthzIngestionEventsSubscription[]).some(
          (d) => d.ingestionEvents.objectId === objectId && d.ingestionEvents.type === 'PIPELINE_SUCCEEDED',
        );
      const liveA = await uploadAsAdmin(
        A.name,
        `${A.marker}-live.json`,
        'application/json',
        Buffer.from(JSON.stringify(readings(A.marker, 1))),
        { template },
      );
      for (const f of of('ingestionEvents'))
        await f.feed.until(succeeded(liveA), `A's new run to ${f.caller.name}`);
      for (const f of of('timeSeriesPoints'))
        await f.feed.until((x) => x.data.length > 0, `A's new points to ${f.caller.name}`);
      const liveB = await uploadAsAdmin(
        B.name,
        `${B.marker}-live.json`,
        'application/json',
        Buffer.from(JSON.stringify(readings(B.marker, 1))),
        { template },
      );
      await own.events.until(succeeded(liveB), "B's new run to the outsider");
      await own.points.until((x) => x.data.length > 0, "B's new points to the outsider");

      for (const { row, caller, feed } of refused) {
        const what = `${row.field} on A as ${caller.name}`;
        assert.deepEqual(feed.data, [], what);
        if (caller.token) {
          assert.deepEqual(codesOf(feed.errors), ['FORBIDDEN'], what);
        } else {
          assert.deepEqual([feed.closeCode, feed.errors], [4403, []], what);
        }
        // the request named A
        assertShowsNone(feed.text(), A.name, [...secretsOfA(), PRESIGNED], what);
      }
      assert.equal(
        topics.filter((t) => t === ingestionTopic(A.name)).length,
        of('ingestionEvents').length,
        "a refused subscription never reaches A's topics",
      );
      assert.equal(topics.filter((t) => t === pointsTopic(A)).length, of('timeSeriesPoints').length);

      for (const f of of('ingestionEvents')) {
        const events = (f.feed.data as AuthzIngestionEventsSubscription[]).map((d) => d.ingestionEvents);
        assert.ok(events.every((e: Event) => e.project === A.name));
        const live = events.find((e) => e.objectId === liveA && e.type === 'CATALOGED');
        assert.equal(live?.object?.originalName, `${A.marker}-live.json`, f.caller.name);
        assert.ok(isPresigned(live?.object?.downloadUrl));
      }
      for (const f of of('timeSeriesPoints')) {
        for (const { timeSeriesPoints: batch } of f.feed.data as AuthzTimeSeriesPointsSubscription[]) {
          assert.equal(batch.project, A.name);
          assert.equal(batch.source.object?.originalName, `${A.marker}-live.json`);
          assert.ok(batch.points.every((p) => (p.tags as { city: string }).city === A.marker));
        }
      }
      for (const f of of('sources')) {
        assert.ok((f.feed.data as WatchSourcesSubscription[])[0]!.sources.length > 0, f.caller.name);
      }

      const ownEvents = (own.events.data as AuthzIngestionEventsSubscription[]).map((d) => d.ingestionEvents);
      assert.ok(ownEvents.every((e) => e.project === B.name));
      const ownPoints = (own.points.data as AuthzTimeSeriesPointsSubscription[]).map(
        (d) => d.timeSeriesPoints,
      );
      assert.ok(ownPoints.every((p) => p.project === B.name && p.source.objectId === liveB));
      for (const feed of [own.events, own.points]) {
        assert.deepEqual(feed.errors, []);
        assertShowsNone(feed.text(), '', secretsOfA(), "the outsider's feeds of B");
      }
    } finally {
      pubSub.subscribe = subscribe;
      await Promise.all(clients.map((c) => c.dispose()));
    }
  });
});
