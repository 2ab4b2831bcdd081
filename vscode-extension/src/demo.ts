// "Open Demo Store": `dsm demo` writes a demo universe into the workspace, which is then
// connected as "demo" with the bundled PlayerData schema mapped onto it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { run } from './server/python';
import type { Server } from './server/client';
import { errorMessage } from './fs/errors';
import { CONFIG_FILE } from './connections/workspaceConfig';

const DIR = '.datastore-demo';

export function registerDemoCommand(server: Server, refresh: () => void): vscode.Disposable {
  return vscode.commands.registerCommand('datastoreManager.openDemo', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      void vscode.window.showErrorMessage('Open a folder first: the demo store is created inside it.');
      return;
    }
    try {
      await server.ready();
      const { python, module } = server.resolved!;
      const dir = path.join(folder.uri.fsPath, DIR);
      const db = path.join(dir, 'demo.db');
      fs.mkdirSync(dir, { recursive: true });
      if (!fs.existsSync(db)) {
        await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Creating the demo store' },
          () => run(python, ['-m', module, 'demo', db], 120_000));
      }
      const schemaSrc = path.join(__dirname, 'demo', 'player-data.schema.json');
      fs.copyFileSync(schemaSrc, path.join(dir, 'player-data.schema.json'));
      const configPath = path.join(folder.uri.fsPath, CONFIG_FILE);
      const config = fs.existsSync(configPath) ? JSON.parse(fs.readFileSync(configPath, 'utf8')) as Record<string, unknown> : {};
      config.connections = { ...(config.connections as object | undefined), demo: { target: `local:${DIR}/demo.db`, description: 'Demo universe' } };
      const schemas = ((config.schemas as Array<{ url?: string }> | undefined) ?? []).filter((s) => s.url !== `./${DIR}/player-data.schema.json`);
      config.schemas = [...schemas, { fileMatch: ['demo/PlayerData/*/*'], url: `./${DIR}/player-data.schema.json` }];
      fs.writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n');
      await server.pushSettings();
      refresh();
      await vscode.commands.executeCommand('datastoreManager.tree.focus');
    } catch (e) {
      void vscode.window.showErrorMessage(`Could not create the demo store: ${errorMessage(e)}`);
    }
  });
}
