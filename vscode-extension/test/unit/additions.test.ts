import { describe, expect, it } from 'vitest';
import { permissionSummary } from '../../src/connections/permissions';
import { fileStatOf } from '../../src/fs/stat';
import type { StatusParams, TestConnectionResult } from '../../src/protocol';
import { budgetText, healthOf, statusText } from '../../src/statusText';

const status = (over: Partial<StatusParams> = {}): StatusParams => ({
  connection: 'prod', budgetUsed: 12, budgetLimit: 300, queued: 0, rateLimited: false, offline: false, ...over,
});

describe('status bar from dataStore/status', () => {
  it('shows budget use for Open Cloud connections only', () => {
    expect(budgetText(status())).toBe('12/300 req/min');
    expect(budgetText(status({ queued: 4 }))).toBe('12/300 req/min · 4 queued');
    expect(budgetText(status({ budgetUsed: null, budgetLimit: null }))).toBe('');
    expect(statusText('prod', 'ok', status())).toBe('$(database) prod · 12/300 req/min');
    expect(statusText('local', 'ok', status({ connection: 'local', budgetUsed: null, budgetLimit: null }))).toBe('$(database) local');
  });
  it('warns when rate-limited or offline', () => {
    expect(healthOf(status({ rateLimited: true }), 'ok')).toBe('rateLimited');
    expect(healthOf(status({ offline: true, rateLimited: true }), 'ok')).toBe('offline');
    expect(healthOf(status(), 'rateLimited')).toBe('ok');
    expect(healthOf(undefined, 'offline')).toBe('offline');
    expect(statusText('prod', 'rateLimited', status({ rateLimited: true, queued: 2 }))).toBe('$(warning) prod · 12/300 req/min · 2 queued · rate-limited');
  });
});

describe('stat without a read', () => {
  it('maps dataStore/stat to a FileStat', () => {
    const created = '2026-01-02T03:04:05.000Z';
    expect(fileStatOf({ uri: 'datastore://l/S/global/k.json', type: 'file', version: 'v1', size: 111, createdTime: created, updatedTime: created, readOnly: false }))
      .toEqual({ type: 1, ctime: Date.parse(created), mtime: Date.parse(created), size: 111, permissions: undefined });
    expect(fileStatOf({ uri: 'datastore://l/S/global/k.json?version%3Dv1', type: 'file', version: 'v1', size: 5, createdTime: created, updatedTime: null, readOnly: true }).permissions).toBe(1);
    expect(fileStatOf({ uri: 'datastore://l/S', type: 'directory', version: null, size: 0, createdTime: null, updatedTime: null, readOnly: true }))
      .toEqual({ type: 2, ctime: 1, mtime: 1, size: 0, permissions: undefined });
  });
});

describe('test connection message', () => {
  const base: TestConnectionResult = {
    connection: 'prod', ok: false, target: 'opencloud:1', kind: 'opencloud', readOnly: false, budget: { used: 3, limit: 300, queued: 0 },
    permissions: [
      { operation: 'listStores', scope: 'universe-datastores.control:list', allowed: true, probed: true, detail: 'allowed' },
      { operation: 'read', scope: 'universe-datastores.objects:read', allowed: false, probed: true, detail: 'key lacks universe-datastores.objects:read' },
      { operation: 'write', scope: 'universe-datastores.objects:update', allowed: null, probed: false, detail: 'not probed' },
    ],
  };
  it('names each operation and what is missing', () => {
    expect(permissionSummary(base)).toBe('"prod" is missing permissions (opencloud): ✓ listStores, ✗ read, ? write. Budget 3/300 req/min. read: key lacks universe-datastores.objects:read');
    expect(permissionSummary({ ...base, ok: true, kind: 'local', budget: null, readOnly: true, permissions: [base.permissions[0]!] }))
      .toBe('"prod" works (local, read-only): ✓ listStores.');
  });
});
