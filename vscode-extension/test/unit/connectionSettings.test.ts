import { describe, expect, it } from 'vitest';
import { normaliseBaseUrl, validateBaseUrl, validateUniverseId } from '../../src/connections/validate';
import { serverSettings, type ReadSetting } from '../../src/server/settings';
import { connectionDescription, contextValue, showsOrderedScopes, storeTarget } from '../../src/tree/nodes';

const reader = (values: Record<string, unknown>): ReadSetting => <T>(key: string) => values[key] as T | undefined;

describe('Add Connection: emulator URL and universe id', () => {
  it('accepts http(s) base URLs', () => {
    expect(validateBaseUrl('http://127.0.0.1:8787')).toBeUndefined();
    expect(validateBaseUrl(' https://emulator.test/base/ ')).toBeUndefined();
    expect(normaliseBaseUrl(' http://127.0.0.1:8787/ ')).toBe('http://127.0.0.1:8787');
  });
  it('refuses other input with a message that says what to do', () => {
    expect(validateBaseUrl('127.0.0.1:8787')).toMatch(/http:\/\/127\.0\.0\.1:8787/);
    expect(validateBaseUrl('')).toMatch(/dsm emulator/);
    expect(validateBaseUrl('ftp://127.0.0.1')).toBe('Use an http:// or https:// URL, e.g. http://127.0.0.1:8787.');
    expect(validateBaseUrl('http://user:secret@127.0.0.1:8787')).toMatch(/credentials.*secret storage/);
    expect(validateBaseUrl('http://127.0.0.1:8787/?key=abc')).toMatch(/query/);
  });
  it('wants a numeric universe id', () => {
    expect(validateUniverseId(' 1234567 ')).toBeUndefined();
    expect(validateUniverseId('abc')).toMatch(/universe id is a number/);
    expect(validateUniverseId('12 34')).toBeDefined();
  });
});

describe('settings payload for dsm serve', () => {
  it('sends cache size and idle write timeout beside the existing settings', () => {
    const payload = serverSettings(reader({
      'format.indent': 4, 'format.sortKeys': true, 'cache.maxSizeMB': 0,
      'protectedConnections.idleWriteTimeoutMinutes': 5, schemas: [{ fileMatch: ['*/P/*/*'], url: './p.json' }],
    }), { prod: 'k' });
    expect(payload).toEqual({
      connections: {},
      apiKeys: { prod: 'k' },
      schemas: [{ fileMatch: ['*/P/*/*'], url: './p.json' }],
      formatting: { tabSize: 4, sortKeys: true },
      cache: { maxSizeMB: 0 },
      protectedConnections: { idleWriteTimeoutMinutes: 5 },
    });
  });
  it('falls back to the defaults for unset or invalid values', () => {
    const payload = serverSettings(reader({ 'cache.maxSizeMB': -3, 'protectedConnections.idleWriteTimeoutMinutes': 0 }), {});
    expect(payload.cache).toBeUndefined(); // the server's default size
    expect(payload.protectedConnections).toEqual({ idleWriteTimeoutMinutes: 15 });
    expect(payload.formatting).toEqual({ tabSize: 2, sortKeys: false });
    expect(serverSettings(reader({ 'cache.maxSizeMB': 64 }), {}).cache).toEqual({ maxSizeMB: 64 });
  });
});

describe('ordered store scopes in the tree', () => {
  const scope = (name: string) => ({ scope: name, uri: `datastore://c/%3Aordered/Board/${name}` });
  it('shows entries straight away when global is the only scope, folders otherwise', () => {
    expect(showsOrderedScopes([scope('global')], false)).toBe(false);
    expect(showsOrderedScopes([scope('global')], true)).toBe(true);
    expect(showsOrderedScopes([scope('global'), scope('season-1')], false)).toBe(true);
    expect(showsOrderedScopes([scope('season-1')], false)).toBe(true);
    expect(showsOrderedScopes([], false)).toBe(true);
  });
  it('ordered scopes have their own context value (no key-prefix filter)', () => {
    const store = { name: 'Board', kind: 'ordered' as const, uri: 'datastore://c/%3Aordered/Board' };
    expect(contextValue({ kind: 'scope', connection: 'c', store, scope: scope('season-1'), prefix: '' })).toBe('orderedScope');
    expect(contextValue({ kind: 'scope', connection: 'c', store: { ...store, kind: 'standard' }, scope: scope('global'), prefix: '' })).toBe('scope');
  });
});

describe('connection description in the tree', () => {
  it('says where an emulator connection points and marks read-only ones', () => {
    expect(connectionDescription({ target: 'opencloud:42', baseUrl: 'http://127.0.0.1:8787', readOnly: false }))
      .toBe('opencloud:42 @ http://127.0.0.1:8787');
    expect(connectionDescription({ target: 'opencloud:42', readOnly: true })).toBe('opencloud:42 (read-only)');
    expect(connectionDescription({ target: 'local:.dsm/demo.db', readOnly: false })).toBe('local:.dsm/demo.db');
  });
});

describe('the data store a command from the palette acts on', () => {
  const store = { name: 'PlayerData', kind: 'standard' as const, uri: 'datastore://demo/PlayerData/' };
  it('is the store of a store or scope node, and nothing for other nodes', () => {
    expect(storeTarget({ kind: 'store', connection: 'demo', info: store })).toEqual({ connection: 'demo', store: 'PlayerData' });
    expect(storeTarget({ kind: 'scope', connection: 'demo', store, scope: { scope: 'global', uri: 'datastore://demo/PlayerData/global/' }, prefix: '' }))
      .toEqual({ connection: 'demo', store: 'PlayerData' });
    expect(storeTarget({ kind: 'message', text: 'Empty' })).toBeUndefined();
    expect(storeTarget(undefined)).toBeUndefined();
  });
});

