// Shows a lost save race as the native diff (remote ↔ yours) and carries out the user's choice.
import * as vscode from 'vscode';
import type { Conflicts, Resolution } from './conflicts';
import type { DataStoreFileSystem } from './provider';

export const CONFLICT_SCHEME = 'datastore-conflict';

const LABELS: Record<Resolution, string> = {
  overwrite: 'Overwrite with mine',
  takeTheirs: 'Take theirs',
  merge: 'Merge in editor',
};

/** The read-only left side of the diff: the remote value, keyed by the entry's URI. */
export function remoteUri(entry: vscode.Uri): vscode.Uri {
  return entry.with({ scheme: CONFLICT_SCHEME });
}

/** Opens (or brings to the front) the conflict's diff: remote value left, the user's edit right. */
async function showDiff(entry: vscode.Uri): Promise<void> {
  const name = entry.path.split('/').pop() ?? entry.toString();
  await vscode.commands.executeCommand('vscode.diff', remoteUri(entry), entry, `${name} (remote ↔ yours)`, { preview: false });
}

export class ConflictUi implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly fs: DataStoreFileSystem, private readonly conflicts: Conflicts) {
    this.subscriptions.push(
      vscode.workspace.registerTextDocumentContentProvider(CONFLICT_SCHEME, this),
      fs.onDidConflict((uri) => void this.show(uri)),
      vscode.commands.registerCommand('datastoreManager.conflict.overwrite', (u?: vscode.Uri) => this.resolve('overwrite', u)),
      vscode.commands.registerCommand('datastoreManager.conflict.takeTheirs', (u?: vscode.Uri) => this.resolve('takeTheirs', u)),
      vscode.commands.registerCommand('datastoreManager.conflict.merge', (u?: vscode.Uri) => this.resolve('merge', u)),
    );
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.conflicts.get(uri.with({ scheme: 'datastore' }).toString())?.remoteContent ?? '';
  }

  private async show(key: string): Promise<void> {
    const entry = vscode.Uri.parse(key);
    const left = remoteUri(entry);
    this.changed.fire(left);
    await this.updateContext();
    const name = entry.path.split('/').pop() ?? key;
    await showDiff(entry);
    const pick = await vscode.window.showWarningMessage(
      `${name} was changed by someone else since you opened it. Your edit is not saved yet.`,
      LABELS.overwrite, LABELS.takeTheirs, LABELS.merge);
    const how = (Object.keys(LABELS) as Resolution[]).find((k) => LABELS[k] === pick);
    if (how) await this.resolve(how, entry);
  }

  /** Carries out a resolution for `target` (or the only/active conflict). */
  async resolve(how: Resolution, target?: vscode.Uri): Promise<void> {
    const key = this.pick(target);
    if (!key) return;
    const plan = this.conflicts.resolve(key, how);
    if (!plan) return;
    this.fs.versions.set(plan.uri, plan.expectedVersion);
    const uri = vscode.Uri.parse(plan.uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (plan.step === 'save') {
      await doc.save();
    } else if (plan.step === 'revert') {
      await vscode.window.showTextDocument(doc, { preview: false });
      await vscode.commands.executeCommand('workbench.action.files.revert', uri);
    } else {
      // Merging happens in the conflict's diff (remote left, yours right): bring it to the front,
      // not the plain editor, which shows only "yours".
      await showDiff(uri);
      void vscode.window.showInformationMessage('Edit the right side of the diff, then save: it is checked against the remote version you are looking at.');
    }
    if (plan.step !== 'edit') await this.closeDiff(uri); // merging happens in that diff
    await this.updateContext();
  }

  /** The conflict's diff tab has served its purpose once the user chose. */
  private async closeDiff(entry: vscode.Uri): Promise<void> {
    const left = remoteUri(entry).toString();
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) =>
      t.input instanceof vscode.TabInputTextDiff && t.input.original.toString() === left);
    if (tabs.length) await vscode.window.tabGroups.close(tabs, true);
  }

  private pick(target?: vscode.Uri): string | undefined {
    if (target) {
      const key = target.with({ scheme: 'datastore' }).toString();
      if (this.conflicts.get(key)) return key;
    }
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active) {
      const key = active.with({ scheme: 'datastore' }).toString();
      if (this.conflicts.get(key)) return key;
    }
    return this.conflicts.uris()[0];
  }

  private async updateContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'datastoreManager.inConflict', this.conflicts.size > 0);
  }

  dispose(): void {
    this.changed.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
