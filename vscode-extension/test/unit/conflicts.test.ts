import { describe, expect, it } from 'vitest';
import { Conflicts, isConflictData } from '../../src/fs/conflicts';
import type { ConflictData } from '../../src/protocol';

const URI = 'datastore://demo/PlayerData/global/Player_1.json';
const data = (remote: Partial<ConflictData['remote']> = {}): ConflictData => ({
  error: 'PreconditionFailed', message: 'changed', uri: URI, expectedVersion: 'v1',
  remote: { exists: true, deleted: false, version: 'v2', content: '{"Coins": 5}', ...remote },
});

describe('Conflicts', () => {
  it('records the user text and the remote side', () => {
    const c = new Conflicts();
    const rec = c.record(URI, '{"Coins": 1}', data());
    expect(rec).toMatchObject({ mine: '{"Coins": 1}', expectedVersion: 'v1', remoteVersion: 'v2', remoteContent: '{"Coins": 5}', remoteExists: true });
    expect(c.size).toBe(1);
    expect(c.uris()).toEqual([URI]);
  });

  it.each([
    ['overwrite', 'save'],
    ['takeTheirs', 'revert'],
    ['merge', 'edit'],
  ] as const)('%s: next save is conditional on the remote version, then %s', (how, step) => {
    const c = new Conflicts();
    c.record(URI, 'mine', data());
    expect(c.resolve(URI, how)).toEqual({ uri: URI, expectedVersion: 'v2', step });
    expect(c.get(URI)).toBeUndefined();
    expect(c.resolve(URI, how)).toBeUndefined(); // resolved once only
  });

  it('a remote deletion means the next save must create the entry (expected null)', () => {
    const c = new Conflicts();
    c.record(URI, 'mine', data({ exists: false, deleted: true, version: null, content: null }));
    expect(c.get(URI)?.remoteContent).toBe('');
    expect(c.resolve(URI, 'overwrite')).toEqual({ uri: URI, expectedVersion: null, step: 'save' });
  });

  it('recognises the server\'s ConflictData only', () => {
    expect(isConflictData(data())).toBe(true);
    expect(isConflictData({ code: 'X', error: 'InvalidArgument', message: 'm' })).toBe(false);
    expect(isConflictData(undefined)).toBe(false);
  });
});
