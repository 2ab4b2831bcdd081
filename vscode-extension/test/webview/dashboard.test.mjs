// Renders the real dashboard page (same HTML, same bundled Chart.js script as in VS Code) in
// headless Debian Chromium with fixture data; asserts the charts drew and the CSP held.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const root = new URL('../../', import.meta.url);
const fixture = {
  store: 'PlayerData',
  budget: Array.from({ length: 12 }, (_, i) => ({ time: new Date(Date.UTC(2026, 10, 25, 12, i * 5)).toISOString(), used: 10 + i * 7, limit: 120 })),
  sizes: [{ label: '<1 KB', count: 180 }, { label: '1–4 KB', count: 55 }, { label: '4–16 KB', count: 5 }],
  fields: { Level: [{ label: '1–10', count: 120 }, { label: '11–20', count: 90 }], Tier: [{ label: 'VIP', count: 30 }, { label: 'Free', count: 210 }] },
};

let server, browser, origin, renderDashboardHtml;

before(async () => {
  const out = await esbuild.build({ entryPoints: [new URL('src/dashboard/html.ts', root).pathname], bundle: true, format: 'esm', platform: 'node', write: false });
  ({ renderDashboardHtml } = await import('data:text/javascript,' + encodeURIComponent(out.outputFiles[0].text)));
  const script = readFileSync(new URL('dist/webview/dashboard.js', root));
  server = http.createServer((req, res) => {
    if (req.url === '/dashboard.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(script); return; }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(renderDashboardHtml({ cspSource: origin, nonce: 'TestNonce123', scriptUri: `${origin}/dashboard.js`, title: 'Dashboard: PlayerData' }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function openPage() {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('request', (r) => { if (!r.url().startsWith(origin)) problems.push(`remote request ${r.url()}`); });
  await page.addInitScript(() => {
    window.__posted = [];
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m) });
    // A dark theme's variables, as VS Code injects them into webviews.
    document.addEventListener('DOMContentLoaded', () => {
      document.body.style.setProperty('--vscode-foreground', '#cccccc');
      document.body.style.setProperty('--vscode-charts-blue', '#3794ff');
    });
  });
  await page.goto(origin);
  return { page, problems };
}

test('draws the three charts from fixture data, with no CSP violation or remote request', async () => {
  const { page, problems } = await openPage();
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
  await page.evaluate((data) => window.postMessage({ type: 'data', data }, '*'), fixture);
  await page.waitForSelector('body[data-rendered="3"]');
  const canvases = await page.evaluate(() => [...document.querySelectorAll('canvas')].map((c) => {
    const ctx = c.getContext('2d');
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
    return { id: c.id, width: c.width, height: c.height, painted };
  }));
  assert.equal(canvases.length, 3);
  for (const c of canvases) {
    assert.ok(c.width > 100 && c.height > 100, `${c.id} has a size`);
    assert.ok(c.painted > 500, `${c.id} has drawn pixels (${c.painted})`);
  }
  assert.match(await page.textContent('#status'), /PlayerData: 240 entries sampled/);
  mkdirSync(new URL('test-output/', root), { recursive: true });
  await page.screenshot({ path: new URL('test-output/dashboard.png', root).pathname }); // for a human look
  assert.deepEqual(await page.$$eval('#field option', (o) => o.map((x) => x.value)), ['Level', 'Tier']);
  await page.selectOption('#field', 'Tier');
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'field' && m.name === 'Tier'));
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('shows the server error instead of charts', async () => {
  const { page, problems } = await openPage();
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
  await page.evaluate(() => window.postMessage({ type: 'error', message: 'No statistics from the server: boom' }, '*'));
  await page.waitForSelector('#status.error');
  assert.equal(await page.textContent('#status'), 'No statistics from the server: boom');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the CSP blocks an injected inline script (the policy is really enforced)', async () => {
  const { page } = await openPage();
  await page.evaluate(() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true'; document.body.appendChild(s); });
  await page.waitForFunction(() => window.__violations.length > 0);
  assert.equal(await page.evaluate(() => window.__ran), undefined);
  await page.close();
});
