// The end-to-end scenario in a real VS Code (code-server) from headless Chromium:
// DataStores view → PlayerData key → schema diagnostic in Problems → fix, save → `dsm get` sees
// it → `dsm set` meanwhile → conflict diff → overwrite → history → roll back; plus the API-key
// canary. One page for the whole scenario (a fresh workbench costs ~1 min on 2 cores).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launch, openWorkbench, sleep } from '../../../shared/recipes/real-vscode/vscode-driver.mjs';

const { E2E_URL: url, E2E_WS: ws, E2E_STATE: state, E2E_ART: art, E2E_PY: py, E2E_DEMO: demoJson } = process.env;
const demo = JSON.parse(fs.readFileSync(demoJson, 'utf8'));
// A broken save that no live session lock protects: writes to it are allowed.
const KEY = Object.entries(demo.invalidKeys).find(([, why]) => why === 'negative-coins')[0];
const CANARY = `CANARY-${process.pid}-${Date.now()}-do-not-log`;
let ui;
const t0 = Date.now();
const log = (m) => console.log(`[e2e +${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

function dsm(...args) {
  return execFileSync(py, ['-m', 'datastore_manager.cli.main', '--target', `local:${path.join(ws, 'demo.db')}`, ...args], { encoding: 'utf8' });
}
const remoteValue = () => JSON.parse(dsm('get', 'PlayerData', KEY, '--json')).value;

let broken; // the scenario is one story: after a failed step the later ones cannot run

/** Runs one step; on failure saves a screenshot named after it under tests/e2e/artifacts/. */
async function step(name, body) {
  if (broken) throw new Error(`not run: step "${broken}" failed before`);
  log(`step: ${name}`);
  try {
    return await body(ui.page);
  } catch (e) {
    broken = name;
    const file = path.join(art, `failure-${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
    await ui.page.screenshot({ path: file }).catch(() => {});
    log(`FAILED ${name}: screenshot ${file}`);
    throw e;
  }
}

/**
 * Like the recipe's runCommand (reopens the palette until the extension's command is listed),
 * but done once the palette has run it: our commands often open another quick input at once.
 */
async function runCommand(page, label, { totalMs = 60_000 } = {}) {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input').first();
  const end = Date.now() + totalMs;
  for (;;) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 5000 });
    } catch {
      // A focused webview (the dashboard) swallows F1: give the workbench the focus back.
      if (Date.now() > end) throw new Error(`the command palette did not open for "${label}"`);
      await page.locator('.part.sidebar > .title').first().click();
      continue;
    }
    await input.fill(`>${label}`);
    try {
      await widget.getByRole('option', { name: label }).first().waitFor({ state: 'visible', timeout: 5000 });
      break;
    } catch {
      if (Date.now() > end) throw new Error(`command "${label}" not in the palette`);
      await page.keyboard.press('Escape');
      await sleep(1000);
    }
  }
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => {
    const w = document.querySelector('.quick-input-widget');
    const i = w?.querySelector('input');
    return !w || getComputedStyle(w).display === 'none' || !i?.value.startsWith('>');
  });
}

const tree = (page) => page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^DataStores/ }) }).first();
const row = (scope, name) => scope.getByRole('treeitem', { name, exact: true }).first();
const editor = (page) => page.locator('.editor-instance .monaco-editor').first();

/** Replace the whole entry with `text` (one line: Monaco re-indents typed newlines). */
async function replaceEditorText(page, text) {
  await editor(page).locator('.view-lines').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  await page.waitForFunction((n) => document.querySelector('.editor-instance .monaco-editor .view-lines')?.textContent.length >= n - 5, Math.min(text.length, 200));
}

async function problemsText(page) {
  return (await page.locator('.markers-panel').innerText().catch(() => '')) || '';
}

before(async () => {
  ui = await launch({ timeout: 60_000 });
  ui.page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await openWorkbench(ui.page, url, { fileName: '.datastore-manager.json', log });
});

after(async () => {
  await ui?.close();
});

test('the .vsix activated without errors in the extension host log', async () => {
  await step('activation-log', async (page) => {
    // the activity bar entry appears once the extension's contributions are registered
    await page.locator('.activitybar').getByRole('tab', { name: /DataStores/ }).first().click();
    await row(tree(page), 'demo').waitFor({ state: 'visible' }); // the server answered listConnections
    const logs = [];
    const walk = (dir) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/exthost.*\.log$/.test(e.name)) logs.push(p);
      }
    };
    walk(path.join(state, 'user-data', 'logs'));
    assert.ok(logs.length > 0, 'no extension host log found');
    const text = logs.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    assert.match(text, /datastore-manager\.datastore-manager/, 'the extension host never mentioned the extension');
    const bad = text.split('\n').filter((l) => /datastore-manager/i.test(l) && /\[error\]|Activating extension .* failed/i.test(l));
    assert.deepEqual(bad, []);
  });
});

test('DataStores view → open a PlayerData entry → schema diagnostic → fix, save → dsm get', async () => {
  await step('open-datastores-view', async (page) => {
    if (!(await row(tree(page), 'demo').isVisible())) {
      await page.locator('.activitybar').getByRole('tab', { name: /DataStores/ }).first().click();
    }
    await row(tree(page), 'demo').waitFor({ state: 'visible' });
    await row(tree(page), 'demo').click();
    // standard stores, then the ordered stores group with the leaderboard sorted by value
    await row(tree(page), 'Ordered data stores').click();
    await row(tree(page), 'Leaderboard').click();
    const firstRows = tree(page).getByRole('treeitem', { name: /, value \d+$/ });
    await firstRows.first().waitFor({ state: 'visible' });
    const values = (await firstRows.evaluateAll((els) => els.slice(0, 5).map((e) => e.getAttribute('aria-label'))))
      .map((l) => Number(/value (\d+)$/.exec(l)[1]));
    assert.ok(values.length >= 2 && values.every((v, i) => i === 0 || values[i - 1] >= v), `leaderboard sorted descending: ${values}`);
    await row(tree(page), 'Ordered data stores').click(); // collapse again
  });
  await step('expand-to-key', async (page) => {
    const t = tree(page);
    await row(t, 'PlayerData').click();
    await row(t, 'global').click();
    await t.getByRole('treeitem', { name: /^Player_/ }).first().waitFor({ state: 'visible' }); // first page
    await runCommand(page, 'DataStore: Filter Keys by Prefix');
    const input = page.locator('.quick-input-widget input').first();
    await input.fill(KEY);
    await page.keyboard.press('Enter');
    await row(t, KEY).click();
    await page.getByRole('tab', { name: new RegExp(`^${KEY}\\.json`) }).waitFor({ state: 'visible' });
    await editor(page).locator('.view-lines').getByText('-250').waitFor({ state: 'visible' });
  });
  await step('schema-diagnostic-in-problems', async (page) => {
    await runCommand(page, 'View: Focus Problems');
    // the server's schema diagnostic (source dsm, code schema) on the "Coins": -250 line
    await page.locator('.markers-panel').getByText(/-250 is less than the minimum of 0/).first().waitFor({ state: 'visible' });
    log(`problems: ${(await problemsText(page)).replace(/\s+/g, ' ').slice(0, 200)}`);
  });
  await step('fix-and-save', async (page) => {
    const value = remoteValue();
    assert.equal(value.Data.Coins, -250);
    value.Data.Coins = 250;
    await replaceEditorText(page, JSON.stringify(value));
    await page.keyboard.press('Control+S');
    // saved: the tab is no longer dirty, and the real CLI reads the new value
    const end = Date.now() + 30_000;
    while (remoteValue().Data.Coins !== 250) {
      if (Date.now() > end) throw new Error('dsm get never showed Coins = 250');
      await sleep(250);
    }
    await page.locator('.tab.dirty').first().waitFor({ state: 'detached' });
    await page.locator('.markers-panel').getByText(/less than the minimum/).first().waitFor({ state: 'detached' });
  });
});

test('a concurrent dsm set makes the save a conflict diff; "Overwrite with mine" wins', async () => {
  await step('conflict-diff', async (page) => {
    const theirs = remoteValue();
    theirs.Data.Coins = 999;
    dsm('set', 'PlayerData', KEY, '--value', JSON.stringify(theirs));
    const mine = { ...theirs, Data: { ...theirs.Data, Coins: 7 } };
    await replaceEditorText(page, JSON.stringify(mine));
    await page.keyboard.press('Control+S');
    await page.getByRole('tab', { name: /remote ↔ yours/ }).waitFor({ state: 'visible' });
    await page.locator('.notifications-toasts').getByText(/changed by someone else/).first().waitFor({ state: 'visible' });
    assert.equal(remoteValue().Data.Coins, 999, 'nothing was overwritten silently');
    await page.screenshot({ path: path.join(art, 'conflict-diff.png') });
  });
  await step('overwrite-with-mine', async (page) => {
    await page.locator('.notifications-toasts').getByRole('button', { name: 'Overwrite with mine' }).first().click();
    const end = Date.now() + 30_000;
    while (remoteValue().Data.Coins !== 7) {
      if (Date.now() > end) throw new Error('Overwrite with mine did not write Coins = 7');
      await sleep(250);
    }
    await page.getByRole('tab', { name: /remote ↔ yours/ }).waitFor({ state: 'detached' });
  });
});

test('"Take theirs" drops the local edit and shows the remote value', async () => {
  await step('take-theirs', async (page) => {
    const theirs = remoteValue();
    theirs.Data.Gems = 4242;
    dsm('set', 'PlayerData', KEY, '--value', JSON.stringify(theirs));
    await replaceEditorText(page, JSON.stringify({ ...theirs, Data: { ...theirs.Data, Gems: 1 } }));
    await page.keyboard.press('Control+S');
    await page.getByRole('tab', { name: /remote ↔ yours/ }).waitFor({ state: 'visible' });
    await page.locator('.notifications-toasts').getByRole('button', { name: 'Take theirs' }).first().click();
    await page.getByRole('tab', { name: /remote ↔ yours/ }).waitFor({ state: 'detached' });
    await editor(page).locator('.view-lines').getByText('4242').first().waitFor({ state: 'visible' });
    await page.locator('.tab.dirty').first().waitFor({ state: 'detached' });
    assert.equal(remoteValue().Data.Gems, 4242);
  });
});

test('version history lists the versions; rolling back restores an old value as a new version', async () => {
  let list, target;
  await step('open-history', async (page) => {
    list = JSON.parse(dsm('versions', 'PlayerData', KEY, '--json')).versions;
    // oldest first: … -250 (demo), 250 (our save), 999 (dsm set), 7 (overwrite), Gems 4242 (theirs)
    target = list[list.length - 4].version;
    await page.getByRole('tab', { name: new RegExp(`^${KEY}\\.json`) }).first().click();
    await runCommand(page, 'DataStore: Open Version History');
    await page.getByRole('treeitem', { name: `version ${target}` }).waitFor({ state: 'visible' });
  });
  await step('roll-back', async (page) => {
    await page.getByRole('treeitem', { name: `version ${target}` }).click({ button: 'right' });
    const item = page.locator('.context-view .monaco-menu').getByRole('menuitem', { name: /Roll Back to This Version/ });
    await item.hover();
    await sleep(300); // the menu ignores clicks while it is still opening
    await item.click();
    if (await item.isVisible()) await page.keyboard.press('Enter');
    await page.locator('.monaco-dialog-box').getByRole('button', { name: 'Roll Back' }).click();
    const end = Date.now() + 30_000;
    while (remoteValue().Data.Coins !== 250) {
      if (Date.now() > end) throw new Error('rollback did not restore Coins = 250');
      await sleep(250);
    }
    const after = JSON.parse(dsm('versions', 'PlayerData', KEY, '--json'));
    assert.equal(after.versions.length, list.length + 1, 'rollback is a new version; history kept');
    await page.screenshot({ path: path.join(art, 'rolled-back.png') });
  });
  await step('old-version-read-only-and-compare', async (page) => {
    const oldest = page.getByRole('treeitem', { name: `version ${list[0].version}` });
    await oldest.click();
    await page.getByRole('tab', { name: /Player_\d+\.json.*Read-only|Player_\d+\.json/ }).first().waitFor({ state: 'visible' });
    await editor(page).locator('.view-lines').click();
    await page.keyboard.type('x');
    await page.getByText(/Editor is read-only|Cannot edit in read-only editor/).first().waitFor({ state: 'visible' });
    // Ctrl+click a second version: the two open in the diff editor
    await page.getByRole('treeitem', { name: `version ${target}` }).click({ modifiers: ['Control'] });
    await page.getByRole('tab', { name: new RegExp(`${list[0].version} ↔ ${target}`) }).waitFor({ state: 'visible' });
  });
});

test('the dashboard webview loads its bundled script under the CSP in real VS Code', async () => {
  await step('dashboard', async (page) => {
    await row(tree(page), 'PlayerData').click({ button: 'right' });
    const item = page.locator('.context-view .monaco-menu').getByRole('menuitem', { name: /Open Dashboard/ });
    await item.hover();
    await sleep(300);
    await item.click();
    if (await item.isVisible()) await page.keyboard.press('Enter');
    await page.getByRole('tab', { name: /Dashboard: PlayerData/ }).waitFor({ state: 'visible' });
    // webviews are nested iframes: find the one with the dashboard's status line
    let text;
    const end = Date.now() + 30_000;
    while (!text) {
      for (const f of page.frames()) {
        const t = await f.locator('#status').textContent({ timeout: 200 }).catch(() => null);
        if (t && t !== 'Loading…') text = t;
      }
      if (Date.now() > end) throw new Error('the dashboard script never ran (status still "Loading…")');
      await sleep(250);
    }
    log(`dashboard status: ${text}`);
    // the script ran (it replaced "Loading…"): either charts from the server, or its error
    assert.match(text, /entries sampled|No statistics from the server/);
    await page.screenshot({ path: path.join(art, 'dashboard.png') });
  });
});

test('an API key typed into "Add Connection" never reaches settings, state, logs or the workspace', async () => {
  broken = undefined; // independent of the scenario above
  for (let i = 0; i < 3; i++) await ui.page.keyboard.press('Escape');
  await step('add-opencloud-connection', async (page) => {
    await runCommand(page, 'DataStore: Add Connection');
    const widget = page.locator('.quick-input-widget');
    await widget.getByRole('option', { name: /Roblox Open Cloud/ }).click();
    const input = widget.locator('input').first();
    for (const text of ['canary', '1234567', CANARY]) {
      await input.fill(text);
      await page.keyboard.press('Enter');
      await sleep(300);
    }
    await page.locator('.notifications-toasts').getByText('Connection "canary" added.').waitFor({ state: 'visible' });
    // make the server use the key (the request fails offline; its error must not echo the key)
    await row(tree(page), 'canary').click();
    await sleep(3000);
    await runCommand(page, 'DataStore: Show Server Log');
    await sleep(1000);
  });
  await step('canary-nowhere', async (page) => {
    assert.ok(!(await page.locator('.part.panel').innerText()).includes(CANARY), 'Output panel shows the key');
    const hits = [];
    const scan = (dir) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) scan(p);
        else if (e.isFile() && fs.statSync(p).size < 50e6 && fs.readFileSync(p).includes(CANARY)) hits.push(p);
      }
    };
    scan(ws);
    scan(path.join(state, 'user-data'));
    log(`canary found in: ${JSON.stringify(hits)}`);
    assert.deepEqual(hits, []);
  });
});

test('"Open Demo Store" (the walkthrough step) creates and connects the demo universe', async () => {
  broken = undefined; // independent of the steps above
  for (let i = 0; i < 3; i++) await ui.page.keyboard.press('Escape');
  await step('open-demo-store', async (page) => {
    await runCommand(page, 'DataStore: Open Demo Store');
    const db = path.join(ws, '.datastore-demo', 'demo.db');
    const end = Date.now() + 120_000;
    let config;
    for (;;) {
      config = JSON.parse(fs.readFileSync(path.join(ws, '.datastore-manager.json'), 'utf8'));
      if (fs.existsSync(db) && config.connections.demo.target === 'local:.datastore-demo/demo.db') break;
      if (Date.now() > end) throw new Error('the demo store was not created and connected');
      await sleep(500);
    }
    assert.ok(config.schemas.some((s) => s.url === './.datastore-demo/player-data.schema.json'));
    assert.ok(fs.existsSync(path.join(ws, '.datastore-demo', 'player-data.schema.json')));
    assert.ok(!config.connections.canary?.apiKey, 'no secret in the shared config');
    await row(tree(page), 'demo').waitFor({ state: 'visible' });
  });
});
