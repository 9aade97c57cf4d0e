import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** A page whose GraphiQL headers editor holds the admin's token, as if typed there before. */
async function pageWithToken(browser: Browser, gateway: TestGateway): Promise<Page> {
  const page = await browser.newPage();
  const headers = JSON.stringify({ Authorization: `Bearer ${gateway.adminToken}` });
  await page.addInitScript((h) => {
    localStorage.setItem('graphiql:headers', h);
    localStorage.setItem('graphiql:shouldPersistHeaders', 'true');
  }, headers);
  return page;
}

async function runInGraphiQL(
  page: Page,
  gateway: TestGateway,
  query: string,
  expected: RegExp,
): Promise<string> {
  await page.goto(`${gateway.graphqlUrl}?query=${encodeURIComponent(query)}`);
  await page.locator('.graphiql-execute-button').click({ timeout: 30_000 });
  const response = page.locator('.graphiql-response');
  await response.getByText(expected).first().waitFor({ timeout: 30_000 });
  // Monaco renders spaces as no-break spaces, and only the lines in view.
  return (await response.innerText()).replace(/\u00a0/g, ' ');
}

describe('GraphiQL in a real browser', () => {
  let gateway: TestGateway;
  let browser: Browser;
  before(async () => {
    gateway = await startTestGateway();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('loads with no request leaving the gateway, and runs a query', async () => {
    const page = await pageWithToken(browser, gateway);
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(gateway.url.replace('http', 'ws')) && !r.url().startsWith(gateway.url)) {
        if (!r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url());
      }
    });
    const text = await runInGraphiQL(
      page,
      gateway,
      'query Sources { sources { name status } }',
      /NOT_CONFIGURED/,
    );
    assert.match(text, /"name": "catalog"/);
    assert.deepEqual(foreign, [], 'every asset comes from the gateway');
    await page.close();
  });

  it('tells a visitor without a token how to get one', async () => {
    const page = await browser.newPage();
    await page.goto(gateway.graphqlUrl);
    // Monaco renders spaces as no-break spaces.
    await page
      .getByText(/npm.run.token/)
      .first()
      .waitFor({ timeout: 30_000 });
    const text = await runInGraphiQL(page, gateway, '{ projects { name } }', /UNAUTHENTICATED/);
    assert.match(text, /send a bearer token/);
    await page.close();
  });

  it('runs a subscription over WebSocket', async () => {
    const page = await pageWithToken(browser, gateway);
    const frames: string[] = [];
    page.on('websocket', (ws) => {
      if (ws.url().endsWith('/graphql')) ws.on('framereceived', (f) => frames.push(String(f.payload)));
    });
    const text = await runInGraphiQL(
      page,
      gateway,
      'subscription Watch { sources { name status } }',
      /NOT_CONFIGURED/,
    );
    assert.match(text, /"name": "raw"/);
    assert.ok(
      frames.some((f) => f.includes('"type":"next"') && f.includes('NOT_CONFIGURED')),
      'the result arrived as a graphql-ws "next" message',
    );
    await page.close();
  });

  it('lets a newcomer upload a file, watch its events, list it and download it back', async () => {
    const project = `newcomer-${Date.now()}`;
    const content = 'city,temp\nrennes,12.5\n';
    const page = await pageWithToken(browser, gateway);
    await runInGraphiQL(
      page,
      gateway,
      `mutation { createProject(name: "${project}") { name } }`,
      /createProject/,
    );

    const watcher = await pageWithToken(browser, gateway);
    const frames: string[] = [];
    watcher.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
    const watching = runInGraphiQL(
      watcher,
      gateway,
      `subscription { ingestionEvents(project: "${project}") { sequence type objectId } }`,
      /CATALOGED/,
    );
    await waitFor(() => frames.some((f) => f.includes('"type":"connection_ack"')));

    // GraphiQL has no file picker: the presigned flow takes the bytes with a plain PUT.
    const created = await runAndRead<{ createUpload: PresignedAnswer }>(
      page,
      gateway,
      `mutation { createUpload(input: { project: "${project}", fileName: "readings.csv", contentType: "text/csv", size: ${content.length} }) { uploadId request { method url headers { name value } } } }`,
    );
    const { uploadId, request } = created.createUpload;
    const putStatus = await page.evaluate(
      async ({ request, content }) => {
        const headers = Object.fromEntries(request.headers.map((h) => [h.name, h.value]));
        return (await fetch(request.url, { method: request.method, headers, body: content })).status;
      },
      { request, content },
    );
    assert.equal(putStatus, 200);
    await runInGraphiQL(
      page,
      gateway,
      `mutation { completeUpload(uploadId: "${uploadId}") { object { objectId status } } }`,
      /STORED/,
    );

    const events = await watching;
    assert.match(events, /"type": "CATALOGED"/);
    const types = frames
      .filter((f) => f.includes('"type":"next"'))
      .map((f) => /"type":"([A-Z_]+)"/.exec(f.replace('"type":"next"', ''))?.[1]);
    assert.deepEqual(types.slice(0, 1), ['STARTED']);
    assert.ok(types.includes('VERIFIED') && types.includes('CATALOGED'), types.join(','));

    const listed = await runAndRead<{
      objects: { nodes: { originalName: string; status: string; downloadUrl: string }[] };
    }>(page, gateway, `{ objects(project: "${project}") { nodes { originalName status downloadUrl } } }`);
    const [object] = listed.objects.nodes;
    assert.deepEqual([object?.originalName, object?.status], ['readings.csv', 'STORED']);
    const downloaded = await page.evaluate(async (url) => (await fetch(url)).text(), object!.downloadUrl);
    assert.equal(downloaded, content);
    await watcher.close();
    await page.close();
  });
});

interface PresignedAnswer {
  uploadId: string;
  request: { method: string; url: string; headers: { name: string; value: string }[] };
}

/** Runs a query in GraphiQL and returns the data of the response the page received. */
async function runAndRead<T>(page: Page, gateway: TestGateway, query: string): Promise<T> {
  const answer = page.waitForResponse(
    // GraphiQL also posts its own introspection query.
    (r) =>
      r.url() === gateway.graphqlUrl &&
      r.request().method() === 'POST' &&
      !(r.request().postData() ?? '').includes('__schema'),
    { timeout: 30_000 },
  );
  await page.goto(`${gateway.graphqlUrl}?query=${encodeURIComponent(query)}`);
  await page.locator('.graphiql-execute-button').click({ timeout: 30_000 });
  const body = (await (await answer).json()) as { data?: T; errors?: unknown };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data!;
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
