// Entry point: wires the language server, the `datastore` file system, views and commands.
import * as vscode from 'vscode';
import { registerAuditLog } from './audit/auditView';
import { ApiKeys } from './connections/apiKeys';
import { registerConnectionCommands } from './connections/commands';
import { pickStore } from './connections/pickers';
import { openDashboard } from './dashboard/panel';
import { registerDemoCommand } from './demo';
import { registerEntryCommands } from './entryCommands';
import { ConflictUi } from './fs/conflictUi';
import { Conflicts } from './fs/conflicts';
import { DataStoreFileSystem } from './fs/provider';
import { OpenedVersions } from './fs/versions';
import type { ServerSettings } from './protocol';
import { registerSearchCommand } from './search/searchCommand';
import { Server } from './server/client';
import { serverSettings } from './server/settings';
import { StatusBar } from './statusBar';
import { DataStoresTree } from './tree/dataStoresTree';
import { type Node, storeTarget } from './tree/nodes';
import { VersionsView } from './versions/versionsView';

function clientSettings(keys: ApiKeys): () => Promise<ServerSettings> {
  return async () => {
    const cfg = vscode.workspace.getConfiguration('datastoreManager');
    return serverSettings((key) => cfg.get(key), await keys.all());
  };
}

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('DataStore Manager', { log: true });
  const keys = new ApiKeys(context);
  const server = new Server(context, log, clientSettings(keys));
  const status = new StatusBar();
  const fs = new DataStoreFileSystem(server, new OpenedVersions(), new Conflicts());
  const tree = new DataStoresTree(server);
  const versions = new VersionsView(server);
  const treeView = vscode.window.createTreeView<Node>('datastoreManager.tree', { treeDataProvider: tree, showCollapseAll: true });
  const versionsTree = vscode.window.createTreeView('datastoreManager.versions', { treeDataProvider: versions, canSelectMany: true });

  const followEditor = (editor: vscode.TextEditor | undefined): void => {
    const uri = editor?.document.uri;
    if (uri?.scheme !== 'datastore') return;
    versions.show(uri);
    status.setConnection(uri.authority);
  };

  context.subscriptions.push(
    log, server, status, fs, treeView, versionsTree,
    vscode.workspace.registerFileSystemProvider('datastore', fs, { isCaseSensitive: true }),
    new ConflictUi(fs, fs.conflicts),
    server.onDidChangeState((s) => status.setHealth(s === 'running' ? 'ok' : s === 'failed' ? 'offline' : 'offline')),
    server.onDidReportHealth((h) => status.setHealth(h)),
    server.onDidReportStatus((s) => status.setStatus(s)),
    treeView.onDidChangeSelection((e) => {
      const n = e.selection[0];
      if (n?.kind === 'connection') status.setConnection(n.info.name);
      else if (n && 'connection' in n) status.setConnection(n.connection);
    }),
    // Selecting two versions (Ctrl+click) opens them side by side in the diff editor.
    versionsTree.onDidChangeSelection((e) => {
      if (e.selection.filter((v) => typeof v !== 'string').length === 2) void vscode.commands.executeCommand('datastoreManager.compareVersions');
    }),
    vscode.window.onDidChangeActiveTextEditor(followEditor),
    vscode.workspace.onDidSaveTextDocument((d) => { if (d.uri.scheme === 'datastore') versions.show(d.uri); }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('datastoreManager.pythonPath')) void server.restart();
      else if (e.affectsConfiguration('datastoreManager')) void server.pushSettings();
    }),
    vscode.commands.registerCommand('datastoreManager.restartServer', async () => {
      await server.restart();
      tree.refresh();
    }),
    vscode.commands.registerCommand('datastoreManager.showLog', () => log.show()),
    vscode.commands.registerCommand('datastoreManager.openDashboard', async (node?: Node) => {
      // From the tree's menu: its node; from the palette: the selected store, else a pick.
      const target = storeTarget(node) ?? storeTarget(treeView.selection[0]) ?? await pickStore(server, 'Open Dashboard');
      if (target) openDashboard(context, server, target);
    }),
    ...registerConnectionCommands(server, keys, () => tree.refresh()),
    ...registerEntryCommands({ server, fs, tree, treeView, versions, versionsTree }),
    registerDemoCommand(server, () => tree.refresh()),
    registerSearchCommand(server),
    ...registerAuditLog(server, fs.onDidChangeFile),
  );
  followEditor(vscode.window.activeTextEditor);
  // Start now so the view fills without a first-click delay; failures are shown by Server.
  server.ready().then(() => tree.refresh(), () => status.setHealth('offline'));
}

export function deactivate(): void {
  // Disposables (the language client among them) are stopped by VS Code.
}
