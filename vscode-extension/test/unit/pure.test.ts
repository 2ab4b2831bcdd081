import { describe, expect, it } from 'vitest';
import { validateConnectionName, validateUniverseId } from '../../src/connections/validate';
import { makeNonce, renderDashboardHtml } from '../../src/dashboard/html';
import { isSupported, parsePythonVersion } from '../../src/server/pythonVersion';
import { statusText } from '../../src/statusText';
import { contextValue, nodeUri } from '../../src/tree/nodes';

describe('python version', () => {
  it('parses interpreter output', () => {
    expect(parsePythonVersion('3.12\n')).toEqual([3, 12]);
    expect(parsePythonVersion('Python 3.11.7')).toEqual([3, 11]);
    expect(parsePythonVersion('nope')).toBeUndefined();
  });
  it('needs 3.11 or newer', () => {
    expect(isSupported([3, 10])).toBe(false);
    expect(isSupported([3, 11])).toBe(true);
    expect(isSupported([4, 0])).toBe(true);
    expect(isSupported(undefined)).toBe(false);
  });
});

describe('connection inputs', () => {
  it('names follow the protocol', () => {
    expect(validateConnectionName('prod')).toBeUndefined();
    expect(validateConnectionName('my-game.v2_x')).toBeUndefined();
    expect(validateConnectionName('Prod')).toBeDefined();
    expect(validateConnectionName('-x')).toBeDefined();
    expect(validateConnectionName('a'.repeat(64))).toBeDefined();
  });
  it('universe ids are numbers', () => {
    expect(validateUniverseId('123456')).toBeUndefined();
    expect(validateUniverseId('12a')).toMatch(/GameId/);
  });
});

describe('status text', () => {
  it('shows the connection and a warning state', () => {
    expect(statusText('prod', 'ok')).toBe('$(database) prod');
    expect(statusText('prod', 'rateLimited')).toBe('$(warning) prod · rate-limited');
    expect(statusText(undefined, 'offline')).toBe('$(warning) DataStores · offline');
  });
});

describe('tree nodes', () => {
  it('context values drive the menus', () => {
    const store = { name: 'Leaderboard', kind: 'ordered' as const, uri: 'datastore://demo/%3Aordered/Leaderboard' };
    expect(contextValue({ kind: 'store', connection: 'demo', info: store })).toBe('orderedStore');
    expect(contextValue({ kind: 'store', connection: 'demo', info: { ...store, kind: 'standard' } })).toBe('store');
    const item = { scope: 'global', key: 'Player_1', deleted: false, uri: 'datastore://demo/PlayerData/global/Player_1.json' };
    expect(contextValue({ kind: 'entry', connection: 'demo', item })).toBe('entry');
    expect(nodeUri({ kind: 'entry', connection: 'demo', item })).toBe(item.uri);
    expect(nodeUri({ kind: 'message', text: 'x' })).toBeUndefined();
  });
});

describe('dashboard html', () => {
  const html = renderDashboardHtml({ cspSource: 'vscode-resource:', nonce: 'abc123', scriptUri: 'https://x/dashboard.js', title: 'Dashboard: <b>' });
  it('has a strict CSP: nonce scripts and styles only, nothing remote', () => {
    const csp = /content="([^"]+)"/.exec(html)![1]!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'nonce-abc123'");
    expect(csp).toContain("style-src 'nonce-abc123'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(html).toContain('<script nonce="abc123" src="https://x/dashboard.js">');
  });
  it('escapes the title', () => {
    expect(html).toContain('Dashboard: &#60;b&#62;');
  });
  it('nonces are alphanumeric and random', () => {
    const a = makeNonce((n) => new Uint8Array(n).map((_, i) => i * 37));
    expect(a).toMatch(/^[A-Za-z0-9]{16,}$/);
  });
});
