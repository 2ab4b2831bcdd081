// State of unresolved save conflicts, and what each resolution means. No VS Code API here so the
// flow is unit-tested; conflictUi.ts turns the plans into editor actions.
import type { ConflictData } from '../protocol';

export interface Conflict {
  uri: string;
  mine: string;
  expectedVersion: string | null;
  remoteVersion: string | null;
  remoteExists: boolean;
  remoteContent: string;
}

export type Resolution = 'overwrite' | 'takeTheirs' | 'merge';

/** What to do for a resolution: the version the next save is conditional on, then the step. */
export interface Plan {
  uri: string;
  expectedVersion: string | null;
  step: 'save' | 'revert' | 'edit';
}

export class Conflicts {
  private readonly open = new Map<string, Conflict>();

  record(uri: string, mine: string, data: ConflictData): Conflict {
    const conflict: Conflict = {
      uri,
      mine,
      expectedVersion: data.expectedVersion,
      remoteVersion: data.remote.exists ? data.remote.version : null,
      remoteExists: data.remote.exists,
      remoteContent: data.remote.content ?? '',
    };
    this.open.set(uri, conflict);
    return conflict;
  }

  get(uri: string): Conflict | undefined {
    return this.open.get(uri);
  }

  get size(): number {
    return this.open.size;
  }

  uris(): string[] {
    return [...this.open.keys()];
  }

  /**
   * Resolve: every choice makes the next save conditional on the remote version the user has
   * now seen, so a third writer in between is again a conflict, never a silent overwrite.
   */
  resolve(uri: string, how: Resolution): Plan | undefined {
    const c = this.open.get(uri);
    if (!c) return undefined;
    this.open.delete(uri);
    const step = how === 'overwrite' ? 'save' : how === 'takeTheirs' ? 'revert' : 'edit';
    return { uri, expectedVersion: c.remoteVersion, step };
  }

  clear(uri: string): void {
    this.open.delete(uri);
  }
}

export function isConflictData(data: unknown): data is ConflictData {
  if (typeof data !== 'object' || data === null) return false;
  const remote = (data as { remote?: unknown }).remote;
  return typeof remote === 'object' && remote !== null && 'exists' in remote;
}
