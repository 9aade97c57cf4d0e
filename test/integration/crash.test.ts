import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { print } from 'graphql';
import { UploadFileDocument } from '../generated/graphql.js';
import { LAKE_BACKENDS } from '../helpers/backends.js';
import { startTestGateway } from '../helpers/gateway.js';
import { assertConsistent } from '../helpers/lake.js';
import { spawnGateway } from '../helpers/process.js';

/** Starts a multipart upload and keeps sending until the connection dies; never finishes on its own. */
function endlessUpload(url: string, token: string, project: string): void {
  const boundary = 'lakegate-crash-test';
  const operations = JSON.stringify({ query: print(UploadFileDocument), variables: { project, file: null } });
  const req = request(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'apollo-require-preflight': 'true',
      authorization: `Bearer ${token}`,
    },
  });
  req.on('error', () => {});
  req.write(
    [
      `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ].join(''),
  );
  const chunk = randomBytes(256 * 1024);
  const timer = setInterval(() => {
    if (!req.write(chunk)) clearInterval(timer);
  }, 5);
  req.on('close', () => clearInterval(timer));
}

for (const backend of LAKE_BACKENDS) {
  describe(`a gateway killed in the middle of an upload: ${backend.name}`, () => {
    it('leaves no object without entry and no entry without object once restarted', async () => {
      const env = {
        ...backend.env(),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'lakegate-crash-')),
        UPLOAD_PART_SIZE: '5MiB',
      };
      const settings = { ...env, PENDING_TIMEOUT_MS: '1500', RECONCILE_INTERVAL_MS: '1000' };
      const first = await spawnGateway(settings);
      const project = 'crash-test';
      const created = await fetch(`${first.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${first.adminToken}` },
        body: JSON.stringify({ query: `mutation { createProject(name: "${project}") { name } }` }),
      });
      assert.equal(created.status, 200);

      endlessUpload(first.url, first.adminToken, project);
      // Wait until the intent exists and more than one S3 part has gone out, then kill -9.
      const deadline = Date.now() + 20_000;
      let pending = 0;
      while (Date.now() < deadline) {
        const res = await fetch(`${first.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${first.adminToken}` },
          body: JSON.stringify({
            query: `{ objects(project: "${project}", filter: { status: PENDING }) { nodes { objectId } } }`,
          }),
        });
        pending = ((await res.json()) as { data: { objects: { nodes: unknown[] } } }).data.objects.nodes
          .length;
        if (pending > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(pending, 1, 'the upload is under way');
      await new Promise((r) => setTimeout(r, 1500));
      first.child.kill('SIGKILL');
      await first.exited;

      // The restarted gateway's reconciler runs at start-up and then every second.
      const restarted = await startTestGateway(settings);
      try {
        const { catalog, raw } = restarted.services;
        let entries = await catalog.findEntries(project, {}, 10);
        for (let i = 0; i < 50 && entries.some((e) => e.status === 'PENDING'); i++) {
          await new Promise((r) => setTimeout(r, 200));
          entries = await catalog.findEntries(project, {}, 10);
        }
        assert.deepEqual(
          entries.map((e) => e.status),
          ['FAILED'],
        );
        assert.equal(entries[0]?.failedOperations.at(-1)?.operation, 'reconcile');
        await assertConsistent(restarted, project);
        if ('unfinishedUploads' in raw) {
          const unfinished = await (
            raw as { unfinishedUploads(p: string, k: string): Promise<string[]> }
          ).unfinishedUploads(project, entries[0]!.key);
          assert.deepEqual(unfinished, [], 'no multipart parts left behind');
        } else {
          assert.deepEqual(
            await readdir(join(env.DATA_DIR, 'raw', project, '.partial')),
            [],
            'no partial file left',
          );
        }
      } finally {
        await restarted.close();
      }
    });
  });
}
