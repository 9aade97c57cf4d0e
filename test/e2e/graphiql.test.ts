import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

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
    const page = await browser.newPage();
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

  it('runs a subscription over WebSocket', async () => {
    const page = await browser.newPage();
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
});
