// Commands on entries, versions and stores. Each is a call to the server plus editor plumbing.
import * as vscode from 'vscode';
import type { ExportResult } from './protocol';
import type { DataStoreFileSystem } from './fs/provider';
import { errorMessage } from './fs/errors';
import type { Server } from './server/client';
import type { DataStoresTree } from './tree/dataStoresTree';
import { type Node, nodeUri } from './tree/nodes';
import type { VersionNode, VersionsView } from './versions/versionsView';

interface Deps {
  server: Server; fs: DataStoreFileSystem; tree: DataStoresTree; treeView: vscode.TreeView<Node>;
  versions: VersionsView; versionsTree: vscode.TreeView<VersionNode | string>;
}

function activeEntry(): vscode.Uri | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return uri?.scheme === 'datastore' ? uri : undefined;
}

function entryOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  if (arg && typeof arg === 'object' && 'kind' in arg) {
    const uri = nodeUri(arg as Node);
    return uri ? vscode.Uri.parse(uri) : undefined;
  }
  return activeEntry();
}

async function guard(what: string, work: () => PromiseLike<unknown>): Promise<void> {
  try {
    await work();
  } catch (e) {
    void vscode.window.showErrorMessage(`${what} failed: ${errorMessage(e)}`);
  }
}

export function registerEntryCommands(d: Deps): vscode.Disposable[] {
  const reg = vscode.commands.registerCommand;

  const showHistory = async (arg?: unknown): Promise<void> => {
    const uri = entryOf(arg);
    if (!uri) return;
    d.versions.show(uri.with({ query: '' }));
    await vscode.commands.executeCommand('datastoreManager.versions.focus');
  };

  /** Roll back to `versionUri` (…?version=V): a new version equal to V, if nobody wrote since. */
  const rollback = async (arg?: unknown): Promise<void> => {
    let versionUri: vscode.Uri | undefined;
    if (arg && typeof arg === 'object' && 'info' in arg) {
      const v = arg as VersionNode;
      versionUri = v.info.uri ? vscode.Uri.parse(v.info.uri) : undefined;
    } else {
      versionUri = entryOf(arg);
    }
    if (!versionUri?.query) return;
    const entry = versionUri.with({ query: '' });
    const open = vscode.workspace.textDocuments.find((t) => t.uri.toString() === entry.toString());
    if (open?.isDirty) {
      void vscode.window.showWarningMessage('Save or revert your edits of this entry before rolling back.');
      return;
    }
    const ok = await vscode.window.showWarningMessage(
      `Roll back ${entry.path.split('/').pop()} to this version? It is written as a new version; history is kept.`, { modal: true }, 'Roll Back');
    if (ok !== 'Roll Back') return;
    await guard('Rollback', async () => {
      const latest = await d.versions.latest(entry.toString());
      const r = await d.server.command<{ version: string }>('dataStore.rollback', { uri: versionUri.toString(), expectedVersion: latest });
      d.fs.versions.set(entry.toString(), r.version);
      d.fs.notifyChanged(entry);
      if (open) await vscode.commands.executeCommand('workbench.action.files.revert', entry);
      d.versions.show(entry);
      void vscode.window.showInformationMessage(`Rolled back: new version ${r.version}.`);
    });
  };

  const compareVersions = async (): Promise<void> => {
    const picked = d.versionsTree.selection.filter((s): s is VersionNode => typeof s !== 'string');
    if (picked.length !== 2 || !picked[0]?.info.uri || !picked[1]?.info.uri) {
      void vscode.window.showInformationMessage('Select two versions (Ctrl+click) to compare them.');
      return;
    }
    const [a, b] = [...picked].sort((x, y) => x.info.createdTime.localeCompare(y.info.createdTime));
    await vscode.commands.executeCommand('vscode.diff', vscode.Uri.parse(a!.info.uri!), vscode.Uri.parse(b!.info.uri!),
      `${a!.info.version} ↔ ${b!.info.version}`);
  };

  const compareWith = async (arg?: unknown): Promise<void> => {
    const uri = entryOf(arg);
    if (!uri) return;
    await guard('Compare', async () => {
      const r = await d.server.command<{ left: string; right: string; title: string }>('dataStore.compareVersions', { uri: uri.toString() });
      await vscode.commands.executeCommand('vscode.diff', vscode.Uri.parse(r.left), vscode.Uri.parse(r.right), r.title);
    });
  };

  const deleteEntry = async (arg?: unknown): Promise<void> => {
    const node = arg as Node | undefined;
    const uri = entryOf(arg);
    if (!uri) return;
    const key = node && (node.kind === 'entry' || node.kind === 'orderedEntry') ? node.item.key : uri.path.split('/').pop();
    const ok = await vscode.window.showWarningMessage(`Delete the entry "${key}"?`, { modal: true, detail: 'Standard entries keep their history for 30 days.' }, `Delete ${key}`);
    if (!ok) return;
    await guard('Delete', async () => {
      await d.fs.delete(uri);
      d.tree.refresh();
    });
  };

  const pickStore = (arg: unknown): { connection: string; store: string } | undefined => {
    const node = arg as Node | undefined;
    if (node?.kind === 'store') return { connection: node.connection, store: node.info.name };
    return undefined;
  };

  const validateStore = async (arg?: unknown): Promise<void> => {
    const target = pickStore(arg);
    if (!target) return;
    await guard('Validate', () => vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Validating ${target.store}`, cancellable: false },
      async () => {
        const r = await d.server.command<{ checked: number; valid: number; invalid: number; failures: Array<{ uri: string }> }>('dataStore.validateStore', target);
        const pick = await vscode.window.showInformationMessage(
          `${target.store}: ${r.checked} checked, ${r.valid} valid, ${r.invalid} invalid.`, ...(r.failures.length ? ['Open First Failure'] : []));
        if (pick && r.failures[0]) await vscode.commands.executeCommand('vscode.open', vscode.Uri.parse(r.failures[0].uri));
      }));
  };

  return [
    reg('datastoreManager.refresh', () => d.tree.refresh()),
    reg('datastoreManager.loadMore', (node: Node) => d.tree.loadMore(node)),
    reg('datastoreManager.filter', async (arg?: Node) => {
      // From the palette: the selected scope in the DataStores view.
      const node = arg ?? d.treeView.selection[0];
      if (node?.kind !== 'scope') {
        void vscode.window.showInformationMessage('Select a scope (e.g. "global") in the DataStores view first.');
        return;
      }
      const prefix = await vscode.window.showInputBox({ title: 'Show keys starting with', value: node.kind === 'scope' ? node.prefix : '' });
      if (prefix !== undefined) d.tree.setPrefix(node, prefix.trim());
    }),
    reg('datastoreManager.openEntry', async (arg?: unknown) => {
      const uri = entryOf(arg);
      if (uri) await vscode.commands.executeCommand('vscode.open', uri);
    }),
    reg('datastoreManager.openUri', async () => {
      const text = await vscode.window.showInputBox({ title: 'Open entry', placeHolder: 'datastore://connection/store/scope/key.json' });
      if (text) await vscode.commands.executeCommand('vscode.open', vscode.Uri.parse(text.trim()));
    }),
    reg('datastoreManager.openHistory', showHistory),
    reg('datastoreManager.openVersion', (v: VersionNode) => v.info.uri && vscode.commands.executeCommand('vscode.open', vscode.Uri.parse(v.info.uri))),
    reg('datastoreManager.rollback', rollback),
    reg('datastoreManager.compareVersions', compareVersions),
    reg('datastoreManager.compareWith', compareWith),
    reg('datastoreManager.copyKey', (node: Node) => {
      if (node.kind === 'entry' || node.kind === 'orderedEntry') void vscode.env.clipboard.writeText(node.item.key);
    }),
    reg('datastoreManager.copyUri', (arg?: unknown) => {
      const uri = entryOf(arg);
      if (uri) void vscode.env.clipboard.writeText(uri.toString());
    }),
    reg('datastoreManager.deleteEntry', deleteEntry),
    reg('datastoreManager.validateStore', validateStore),
    reg('datastoreManager.snapshot', async (node?: Node) => {
      if (node?.kind !== 'connection') return;
      await guard('Snapshot', async () => {
        const r = await d.server.command<{ newSnapshotTaken: boolean; latestSnapshotTime: string }>('dataStore.snapshot', { connection: node.info.name });
        void vscode.window.showInformationMessage(r.newSnapshotTaken ? `Snapshot taken at ${r.latestSnapshotTime}.` : `A snapshot from ${r.latestSnapshotTime} already covers today.`);
      });
    }),
    reg('datastoreManager.export', async (node?: Node) => {
      if (node?.kind !== 'store' || node.info.kind !== 'standard') {
        void vscode.window.showInformationMessage('Export works on a standard data store: right-click one in the DataStores view.');
        return;
      }
      const format = await vscode.window.showQuickPick(['jsonl', 'csv'], { title: `Export ${node.info.name}`, placeHolder: 'File format' });
      if (!format) return;
      await guard('Export', async () => {
        const r = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Exporting ${node.info.name}…` },
          () => d.server.command<ExportResult>('dataStore.export', { connection: node.connection, store: node.info.name, format }));
        if (r.cancelled || !r.out) return;
        const out = r.out;
        const pick = await vscode.window.showInformationMessage(`Exported ${r.entries} entries to ${out}`, 'Open File');
        if (pick) await vscode.window.showTextDocument(vscode.Uri.file(out));
      });
    }),
    // Commands the server's code lenses carry (docs/protocol.md "Client-side commands").
    reg('dataStore.client.showHistory', showHistory),
    reg('dataStore.client.compare', (left: string, right: string, title: string) =>
      vscode.commands.executeCommand('vscode.diff', vscode.Uri.parse(left), vscode.Uri.parse(right), title)),
    reg('dataStore.client.rollback', rollback),
    reg('dataStore.client.showSessionLock', (_uri: string, lock: { message?: string }) =>
      vscode.window.showWarningMessage(lock?.message ?? 'This entry is session-locked by a live game server.')),
  ];
}
