// Connection commands: add (local file / Open Cloud / Open Cloud emulator URL), remove, test.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestConnectionResult } from '../protocol';
import type { Server } from '../server/client';
import { errorMessage } from '../fs/errors';
import type { Node } from '../tree/nodes';
import type { ApiKeys } from './apiKeys';
import { permissionSummary } from './permissions';
import { pickConnection } from './pickers';
import { normaliseBaseUrl, validateBaseUrl, validateConnectionName, validateUniverseId } from './validate';
import { type ConnectionDefinition, putConnection, removeConnection } from './workspaceConfig';

export function registerConnectionCommands(server: Server, keys: ApiKeys, refresh: () => void): vscode.Disposable[] {
  const add = async (): Promise<void> => {
    const kind = await vscode.window.showQuickPick([
      { label: '$(database) Local store file', id: 'local' },
      { label: '$(cloud) Roblox Open Cloud', description: 'universe id + API key', id: 'opencloud' },
      { label: '$(beaker) Open Cloud emulator (URL)', description: 'e.g. `dsm emulator`: URL + universe id + API key', id: 'emulator' },
    ], { title: 'Add DataStore connection', placeHolder: 'Where does the data live?' });
    if (!kind) return;
    const name = await vscode.window.showInputBox({ title: 'Connection name', prompt: 'Appears in datastore:// URIs', validateInput: validateConnectionName });
    if (!name) return;
    const definition: ConnectionDefinition = { target: '' };
    if (kind.id === 'local') {
      const picked = await vscode.window.showOpenDialog({ title: 'Local store file (SQLite)', canSelectMany: false });
      if (!picked?.[0]) return;
      const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      definition.target = `local:${root ? path.relative(root, picked[0].fsPath) : picked[0].fsPath}`;
    } else {
      if (kind.id === 'emulator') {
        const url = await vscode.window.showInputBox({
          title: 'Open Cloud emulator URL', prompt: 'The base URL `dsm emulator` printed', placeHolder: 'http://127.0.0.1:8787',
          validateInput: validateBaseUrl, ignoreFocusOut: true,
        });
        if (!url) return;
        definition.baseUrl = normaliseBaseUrl(url);
      }
      const universe = await vscode.window.showInputBox({ title: 'Universe id', validateInput: validateUniverseId });
      if (!universe) return;
      const apiKey = await vscode.window.showInputBox({ title: 'Open Cloud API key', prompt: 'Kept in VS Code\'s secret storage only', password: true, ignoreFocusOut: true });
      if (!apiKey) return;
      await keys.set(name, apiKey.trim());
      definition.target = `opencloud:${universe.trim()}`;
    }
    await putConnection(name, definition);
    await server.pushSettings();
    refresh();
    void vscode.window.showInformationMessage(`Connection "${name}" added.`);
  };

  const remove = async (node?: Node): Promise<void> => {
    const name = node?.kind === 'connection' ? node.info.name : await vscode.window.showInputBox({ title: 'Connection to remove' });
    if (!name) return;
    const ok = await vscode.window.showWarningMessage(`Remove connection "${name}" (and its stored API key)?`, { modal: true }, 'Remove');
    if (ok !== 'Remove') return;
    await removeConnection(name);
    await keys.delete(name);
    await server.pushSettings();
    refresh();
  };

  const test = async (node?: Node): Promise<void> => {
    const name = node?.kind === 'connection' ? node.info.name : await pickConnection(server, 'Test Connection');
    if (!name) return;
    try {
      const r = await server.request<TestConnectionResult>('dataStore/testConnection', { connection: name });
      const show = r.ok ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
      void show(permissionSummary(r));
    } catch (e) {
      void vscode.window.showErrorMessage(`"${name}" failed: ${errorMessage(e)}`);
    }
  };

  return [
    vscode.commands.registerCommand('datastoreManager.addConnection', add),
    vscode.commands.registerCommand('datastoreManager.removeConnection', remove),
    vscode.commands.registerCommand('datastoreManager.testConnection', test),
  ];
}
