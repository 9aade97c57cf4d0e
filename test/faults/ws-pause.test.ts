import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { mintToken } from '../../src/auth/tokens.js';
import { CreateProjectDocument } from '../generated/graphql.js';
import { freshMongoUrl } from '../helpers/backends.js';
import { tapEvents } from '../helpers/events.js';
import { bearer, TEST_SECRET } from '../helpers/gateway.js';
import { type GatewayProcess, spawnGateway } from '../helpers/process.js';
import { stackUrl, uniqueName } from '../helpers/stack.js';
import { ask, type Endpoint, failureOf, upload } from './helpers/soak-http.js';
import { type EventsClient, spawnEventsClient } from './helpers/ws-process.js';

const KEEPALIVE_MS = 300;
const DROPPED = 'WebSocket dropped: no pong since the previous ping';

const isSequence = (line: string) => /^\d+$/.test(line);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tokenFor = (subject: string, projects: Record<string, 'viewer' | 'editor'>, admin = false) =>
  mintToken(
    { secret: TEST_SECRET, issuer: 'lakegate', audience: 'lakegate' },
    { subject, projects, admin, expiresIn: '1h' },
  );

describe('a WebSocket client paused (SIGSTOP) past the keep-alive', () => {
  let gateway: GatewayProcess;
  let client: EventsClient | undefined;
  before(async () => {
    gateway = await spawnGateway({
      S3_URL: stackUrl('MINIO_S3_URL'),
      MONGODB_URL: freshMongoUrl(),
      REDIS_URL: stackUrl('REDIS_URL'),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'lakegate-fault-')),
      WS_KEEPALIVE_MS: String(KEEPALIVE_MS),
    });
  });
  after(async () => {
    await client?.stop();
    gateway.child.kill('SIGTERM');
    await gateway.exited;
  });

  it('is dropped by the server, then resumes from its last sequence without a gap or a duplicate', async (t) => {
    const graphqlUrl = `${gateway.url}/graphql`;
    const wsUrl = graphqlUrl.replace(/^http/, 'ws');
    const project = uniqueName('pause');
    const created = await ask({ graphqlUrl, token: gateway.adminToken }, CreateProjectDocument, {
      name: project,
    });
    assert.equal(failureOf(created), null);
    const editor: Endpoint = { graphqlUrl, token: await tokenFor('uploader', { [project]: 'editor' }) };
    const viewerToken = await tokenFor('watcher', { [project]: 'viewer' });

    client = spawnEventsClient(wsUrl, project, viewerToken);
    await client.until((l) => l === '# connected after 0');

    // Uploads one after another until told to stop; the client sees five or so events per upload.
    let uploads = 0;
    let lastUploadId = '';
    let publishing = true;
    const published = (async () => {
      for (let i = 0; publishing; i++) {
        const content = Buffer.from(`reading ${i}`);
        const answer = await upload(editor, { project }, { name: `r${i}.txt`, type: 'text/plain', content });
        assert.equal(failureOf(answer), null);
        lastUploadId = answer.data!.uploadFile.uploadId;
        uploads++;
        await sleep(50);
      }
    })();
    const afterUploads = async (n: number) => {
      for (const target = uploads + n; uploads < target;) await sleep(20);
    };

    await client.until(isSequence);
    const drops = () => gateway.logs.filter((l) => l['msg'] === DROPPED).length;
    const dropsBefore = drops();
    client.child.kill('SIGSTOP');
    for (const deadline = Date.now() + 30_000; drops() === dropsBefore; await sleep(20)) {
      assert.ok(Date.now() < deadline, 'the server drops the paused client');
    }
    await sleep(2 * KEEPALIVE_MS); // paused past two intervals, the drop logged
    await afterUploads(3); // ...with events published while it is away
    client.child.kill('SIGCONT');

    // What reached its socket before the drop is read first, then the close, then a new subscription.
    const closed = await client.until((l) => l.startsWith('# closed'));
    const resumed = await client.until((l) => /^# connected after [1-9]\d*$/.test(l));
    await afterUploads(3);
    publishing = false;
    await published;

    const tap = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: bearer(viewerToken) },
    });
    const log = tapEvents(tap, { project, after: 0 });
    const events = await log.until((e) => e.uploadId === lastUploadId && e.type === 'CATALOGED', 60_000);
    log.stop();
    await tap.dispose();
    const last = events.at(-1)!.sequence;
    await client.until((l) => l === String(last));

    const expected = Array.from({ length: last }, (_, i) => i + 1);
    assert.deepEqual(
      events.map((e) => e.sequence),
      expected,
    );
    assert.deepEqual(client.sequences(), expected, 'every event once, in order, across the reconnect');
    // It resumed from the last sequence it printed before the close, and events followed.
    const printedBeforeClose = client.lines.slice(0, client.lines.indexOf(closed)).filter(isSequence);
    const resumedAfter = Number(/\d+$/.exec(resumed)![0]);
    assert.equal(resumedAfter, Number(printedBeforeClose.at(-1)));
    assert.ok(resumedAfter < last);
    t.diagnostic(
      `${uploads} uploads, events 1..${last}; socket dropped by the server (${closed.slice(2)}), resumed after ${resumedAfter}`,
    );
  });
});
