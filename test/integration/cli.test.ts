import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createProject } from '../helpers/lake.js';

const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

function run(
  args: string[],
  token?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'], ...(token && { LAKEGATE_TOKEN: token }) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('lakegate ingest', () => {
  let gateway: TestGateway;
  let dir: string;
  before(async () => {
    gateway = await startTestGateway();
    dir = mkdtempSync(join(tmpdir(), 'lakegate-ingest-'));
    writeFileSync(join(dir, 'a.csv'), 'x,y\n1,2\n');
    writeFileSync(join(dir, 'résumé.txt'), 'bonjour');
    writeFileSync(join(dir, 'tool.exe'), 'MZ');
    writeFileSync(join(dir, 'big.csv'), 'z'.repeat(2000));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'b.csv'), 'a\n');
    writeFileSync(join(dir, '.hidden.csv'), 'secret');
  });
  after(() => gateway.close());

  it('uploads a folder within the profile, skips what it refuses, and stores nothing twice when run again', async () => {
    const project = await createProject(gateway, { maxFileSize: 1000, allowedExtensions: ['csv', 'txt'] });
    const args = ['ingest', dir, '--project', project, '--url', gateway.graphqlUrl, '--owner', 'ana'];
    const editor = await gateway.token({ subject: 'ana', projects: { [project]: 'editor' } });
    const first = await run(args, editor);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /3 uploaded .*, 0 already there, 2 skipped, 0 failed/);
    assert.match(first.stdout, /- big\.csv: skipped, larger than the project's maxFileSize/);
    assert.match(first.stdout, /- tool\.exe: skipped, extension \.exe is not allowed/);

    const entries = await gateway.services.catalog.findEntries(project, {}, 10);
    assert.deepEqual(entries.map((e) => e.originalName).sort(), ['a.csv', 'b.csv', 'résumé.txt']);
    assert.ok(entries.every((e) => e.status === 'STORED' && e.owner === 'ana'));
    assert.deepEqual(entries.find((e) => e.originalName === 'b.csv')?.otherData, { sourcePath: 'sub/b.csv' });

    const second = await run(args, editor);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /0 uploaded .*, 3 already there, 2 skipped, 0 failed/);
    assert.equal((await gateway.services.catalog.findEntries(project, {}, 10)).length, 3);
  });

  it('reports the gateway refusing files, and exits 1', async () => {
    const project = await createProject(gateway, { maxFiles: 1 });
    const result = await run(
      ['ingest', join(dir, 'sub'), '--project', project, '--url', gateway.graphqlUrl],
      gateway.adminToken,
    );
    assert.equal(result.code, 0);
    const more = mkdtempSync(join(tmpdir(), 'lakegate-ingest-'));
    writeFileSync(join(more, 'c.csv'), 'c\n');
    const refused = await run(
      ['ingest', more, '--project', project, '--url', gateway.graphqlUrl],
      gateway.adminToken,
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /1 failed/);
    assert.match(refused.stdout, /failed c\.csv: QUOTA_EXCEEDED/);
  });

  it('says what is wrong with the command line or the project', async () => {
    const usage = await run(['ingest', dir]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage:/);
    const tokenless = await run(['ingest', dir, '--project', 'p', '--url', gateway.graphqlUrl]);
    assert.equal(tokenless.code, 2);
    assert.match(tokenless.stderr, /LAKEGATE_TOKEN/);
    const missing = await run(
      ['ingest', dir, '--project', 'nope', '--url', gateway.graphqlUrl],
      gateway.adminToken,
    );
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no project nope/);
  });

  it('stores nothing for a viewer: every file fails with FORBIDDEN', async () => {
    const project = await createProject(gateway, {});
    const viewer = await gateway.token({ subject: 'vi', projects: { [project]: 'viewer' } });
    const result = await run(
      ['ingest', join(dir, 'sub'), '--project', project, '--url', gateway.graphqlUrl],
      viewer,
    );
    assert.equal(result.code, 1);
    assert.match(result.stdout, /failed b\.csv: FORBIDDEN/);
    assert.deepEqual(await gateway.services.catalog.findEntries(project, {}, 10), []);
  });
});
