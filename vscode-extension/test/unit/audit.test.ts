import { describe, expect, it } from 'vitest';
import { auditDescription, auditIcon, auditLabel, auditTarget, auditTooltip, relativeTime, verifyMessage } from '../../src/audit/format';
import type { AuditRecord } from '../../src/protocol';
import { lockMarker } from '../../src/tree/lockMarker';

const ENTRY = 'datastore://local/PlayerData/global/Player_1.json';
const record = (over: Partial<AuditRecord> = {}): AuditRecord => ({
  line: 7, time: '2026-01-01T12:00:00.000000Z', user: 'ana', identity: null, connection: 'local', role: 'editor',
  store: 'PlayerData', scope: 'global', key: 'Player_1', operation: 'set', outcome: 'ok', refusal: null, forced: false,
  versionBefore: 'v1', versionAfter: 'v2', valueAfter: null, size: 42, reason: null, job: null,
  beforeUri: `${ENTRY}?version=v1`, afterUri: `${ENTRY}?version=v2`, ...over,
});
const NOW = new Date('2026-01-01T12:05:00Z');

describe('audit record label, description and icon', () => {
  it('labels operation and store/key, marking refusals and failures', () => {
    expect(auditLabel(record())).toBe('set PlayerData/Player_1');
    expect(auditLabel(record({ outcome: 'refused', refusal: 'session_lock' }))).toBe('set PlayerData/Player_1 (refused)');
    expect(auditLabel(record({ operation: 'job.start', store: null, key: null, job: 'restore-1' }))).toBe('job.start restore-1');
    expect(auditLabel(record({ operation: 'rotate-key', store: null, key: null, connection: null }))).toBe('rotate-key');
  });
  it('describes when and who (the editor identity wins over the OS user)', () => {
    expect(auditDescription(record(), NOW)).toBe('5 min ago · ana');
    expect(auditDescription(record({ identity: 'ana@studio' }), NOW)).toBe('5 min ago · ana@studio');
  });
  it('gives relative times', () => {
    expect(relativeTime('2026-01-01T12:04:50Z', NOW)).toBe('just now');
    expect(relativeTime('2026-01-01T09:00:00Z', NOW)).toBe('3 h ago');
    expect(relativeTime('2025-12-30T12:00:00Z', NOW)).toBe('2 days ago');
    expect(relativeTime('2025-12-31T09:00:00Z', NOW)).toBe('1 day ago');
    expect(relativeTime(null, NOW)).toBe('unknown time');
    expect(relativeTime('garbage', NOW)).toBe('garbage');
  });
  it('picks a codicon per operation and outcome', () => {
    expect(auditIcon(record())).toBe('edit');
    expect(auditIcon(record({ operation: 'delete' }))).toBe('trash');
    expect(auditIcon(record({ operation: 'rollback' }))).toBe('discard');
    expect(auditIcon(record({ operation: 'ordered.set' }))).toBe('symbol-number');
    expect(auditIcon(record({ outcome: 'refused' }))).toBe('circle-slash');
    expect(auditIcon(record({ outcome: 'failed' }))).toBe('error');
    expect(auditIcon(record({ outcome: 'unknown' }))).toBe('question');
    expect(auditLabel(record({ outcome: 'unknown' }))).toBe('set PlayerData/Player_1 (outcome unknown)');
    expect(auditIcon(record({ forced: true }))).toBe('unlock');
    expect(auditIcon(record({ operation: 'something.new' }))).toBe('note');
    expect(auditIcon(record({ operation: 'rotate-key', store: null, key: null, connection: null }))).toBe('key');
  });
});

describe('audit record tooltip', () => {
  it('lists every known field, versions and reason included', () => {
    const text = auditTooltip(record({ reason: 'refund #7', identity: 'ana@studio', forced: true }));
    expect(text.split('\n')).toEqual([
      'Operation: set (forced over a live session lock)', 'Outcome: ok', 'Time: 2026-01-01T12:00:00.000000Z', 'User: ana',
      'Identity: ana@studio', 'Connection: local (editor)', 'Store: PlayerData', 'Scope: global', 'Key: Player_1',
      'Version before: v1', 'Version after: v2', 'Size: 42 characters', 'Reason: refund #7', 'Log line: 7',
    ]);
  });
  it('names the refusal', () => {
    expect(auditTooltip(record({ outcome: 'refused', refusal: 'session_lock', versionAfter: null }))).toContain('Outcome: refused (session_lock)');
    expect(auditTooltip(record({ operation: 'ordered.set', valueAfter: 12, versionBefore: null, versionAfter: null }))).toContain('Value after: 12');
  });
});

describe('selecting an audit record', () => {
  it('diffs the versions before and after a write', () => {
    expect(auditTarget(record())).toEqual({ kind: 'diff', left: `${ENTRY}?version=v1`, right: `${ENTRY}?version=v2`, title: 'Player_1: v1 ↔ v2 (set)' });
  });
  it('opens the only version there is (a create; a delete shows the value deleted)', () => {
    expect(auditTarget(record({ beforeUri: null, versionBefore: null }))).toEqual({ kind: 'open', uri: `${ENTRY}?version=v2` });
    expect(auditTarget(record({ operation: 'delete' }))).toEqual({ kind: 'open', uri: `${ENTRY}?version=v1` });
    expect(auditTarget(record({ outcome: 'refused', afterUri: null }))).toEqual({ kind: 'open', uri: `${ENTRY}?version=v1` });
    expect(auditTarget(record({ beforeUri: null, afterUri: null }))).toBeUndefined();
  });
});

describe('verify audit log message', () => {
  it('says intact with the record count, or names the first broken line', () => {
    expect(verifyMessage({ ok: true, checked: 12, uncommitted: 0 }, '/w/audit.jsonl')).toEqual({ ok: true, text: 'Audit log intact: 12 records.' });
    expect(verifyMessage({ ok: true, checked: 1, uncommitted: 0 }, 'x').text).toBe('Audit log intact: 1 record.');
    const broken = verifyMessage({ ok: false, checked: 2, uncommitted: 0, firstBroken: { line: 3, reason: 'hash link does not match' } }, '/w/audit.jsonl');
    expect(broken.ok).toBe(false);
    expect(broken.text).toBe('Audit log broken at line 3: hash link does not match (2 records before it are intact; /w/audit.jsonl).');
  });
});

describe('session lock marker in the DataStores view', () => {
  it('live locks: warning-coloured lock, saving needs Force', () => {
    expect(lockMarker({ state: 'live', library: 'ProfileService', holder: 'ProfileService (place 1, server abc)', since: '2026-01-01T12:00:00.000000Z' })).toEqual({
      icon: 'lock', color: 'list.warningForeground',
      tooltip: 'Session-locked by ProfileService (place 1, server abc), last save 2026-01-01 12:00:00 UTC; saving needs Force',
    });
  });
  it('stale locks: a plain lock that does not ask for Force', () => {
    const marker = lockMarker({ state: 'stale', library: 'ProfileStore' });
    expect(marker).toEqual({ icon: 'lock', tooltip: 'Stale session lock by ProfileStore; the next server to load the profile takes it over' });
    expect(marker?.color).toBeUndefined();
  });
  it('no lock, no marker', () => {
    expect(lockMarker(undefined)).toBeUndefined();
  });
});
