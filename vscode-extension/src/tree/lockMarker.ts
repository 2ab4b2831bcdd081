// How a key with a session lock looks in the DataStores view (pure: unit-tested).
import type { KeyLock } from '../protocol';

export interface LockMarker {
  icon: 'lock';
  /** ThemeColor id; live locks only (stale ones are plain). */
  color?: 'list.warningForeground';
  tooltip: string;
}

function when(since: string | undefined): string {
  return since ? `, last save ${since.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}` : '';
}

export function lockMarker(lock: KeyLock | undefined): LockMarker | undefined {
  if (!lock) return undefined;
  const holder = lock.holder ?? lock.library;
  if (lock.state === 'live') {
    return { icon: 'lock', color: 'list.warningForeground', tooltip: `Session-locked by ${holder}${when(lock.since)}; saving needs Force` };
  }
  return { icon: 'lock', tooltip: `Stale session lock by ${holder}${when(lock.since)}; the next server to load the profile takes it over` };
}
