// "Merge in editor" must leave the user in the conflict's diff (remote ↔ yours), where both
// versions can be combined, not in the plain editor that shows only their own edit.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const calls: { command: string; args: unknown[] }[] = [];
const shown: string[] = [];

vi.mock('vscode', () => {
  class Uri {
    constructor(readonly scheme: string, readonly authority: string, readonly path: string) {}
    static parse(s: string): Uri {
      const m = /^([^:]+):\/\/([^/]*)(\/.*)$/.exec(s);
      if (!m) throw new Error(`bad uri ${s}`);
      return new Uri(m[1] ?? '', m[2] ?? '', m[3] ?? '');
    }
    with(change: { scheme?: string }): Uri {
      return new Uri(change.scheme ?? this.scheme, this.authority, this.path);
    }
    toString(): string {
      return `${this.scheme}://${this.authority}${this.path}`;
    }
  }
  class EventEmitter {
    event = (): { dispose(): void } => ({ dispose() {} });
    fire(): void {}
    dispose(): void {}
  }
  return {
    Uri,
    EventEmitter,
    TabInputTextDiff: class {},
    workspace: {
      registerTextDocumentContentProvider: () => ({ dispose() {} }),
      openTextDocument: async (uri: Uri) => ({ uri, save: async () => true }),
    },
    commands: {
      registerCommand: () => ({ dispose() {} }),
      executeCommand: async (command: string, ...args: unknown[]) => { calls.push({ command, args }); },
    },
    window: {
      activeTextEditor: undefined,
      tabGroups: { all: [], close: async () => true },
      showTextDocument: async (doc: { uri: Uri }) => { shown.push(doc.uri.toString()); },
      showInformationMessage: async () => undefined,
      showWarningMessage: async () => undefined,
    },
  };
});

const { ConflictUi } = await import('../../src/fs/conflictUi');
const { Conflicts } = await import('../../src/fs/conflicts');

const URI = 'datastore://demo/PlayerData/global/Player_1.json';

function setup() {
  const conflicts = new Conflicts();
  conflicts.record(URI, '{"Coins": 1}', {
    error: 'PreconditionFailed', message: 'changed', uri: URI, expectedVersion: 'v1',
    remote: { exists: true, deleted: false, version: 'v2', content: '{"Coins": 5}' },
  });
  const versions = new Map<string, string | null>();
  const fs = { onDidConflict: () => ({ dispose() {} }), versions };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ui = new ConflictUi(fs as any, conflicts);
  return { ui, versions };
}

describe('ConflictUi: Merge in editor', () => {
  beforeEach(() => {
    calls.length = 0;
    shown.length = 0;
  });

  it('brings the remote ↔ yours diff to the front (not the plain editor) and keeps it open', async () => {
    const { ui, versions } = setup();
    const vscode = await import('vscode');
    await ui.resolve('merge', vscode.Uri.parse(URI));
    const diff = calls.find((c) => c.command === 'vscode.diff');
    expect(diff).toBeDefined();
    const [left, right, title] = diff!.args as [{ toString(): string }, { toString(): string }, string];
    expect(left.toString()).toBe('datastore-conflict://demo/PlayerData/global/Player_1.json');
    expect(right.toString()).toBe(URI);
    expect(title).toBe('Player_1.json (remote ↔ yours)');
    expect(shown).toEqual([]); // the plain editor would hide the remote side
    expect(versions.get(URI)).toBe('v2'); // the merged save is conditional on the remote seen
  });

  it('"Take theirs" still reverts in the plain editor', async () => {
    const { ui } = setup();
    const vscode = await import('vscode');
    await ui.resolve('takeTheirs', vscode.Uri.parse(URI));
    expect(shown).toEqual([URI]);
    expect(calls.some((c) => c.command === 'workbench.action.files.revert')).toBe(true);
  });
});
