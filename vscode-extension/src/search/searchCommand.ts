// "DataStore: Search Entries…": one line of words / clauses / store:NAME → dataStore.search
// → a quick pick of the hits; the chosen entry opens.
import * as vscode from 'vscode';
import { pickConnection } from '../connections/pickers';
import { errorMessage } from '../fs/errors';
import type { SearchResult } from '../protocol';
import type { Server } from '../server/client';
import { SEARCH_SYNTAX, hitItem, hitsTitle, parseSearchInput, searchArguments } from './query';

const LIMIT = 200;

export function registerSearchCommand(server: Server): vscode.Disposable {
  let last = '';
  return vscode.commands.registerCommand('datastoreManager.search', async () => {
    try {
      const connection = await pickConnection(server, 'Search Entries');
      if (!connection) return;
      const line = await vscode.window.showInputBox({
        title: `Search entries of ${connection}`,
        prompt: SEARCH_SYNTAX,
        placeHolder: 'Data.Coins < 0 store:PlayerData',
        value: last,
        ignoreFocusOut: true,
      });
      if (line === undefined) return;
      last = line;
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Searching ${connection}…` },
        () => server.command<SearchResult>('dataStore.search', searchArguments(connection, parseSearchInput(line), LIMIT)));
      const indexed = `index built ${new Date(r.indexedAt).toLocaleString()}`;
      if (r.hits.length === 0) {
        void vscode.window.showInformationMessage(`No entries of ${connection} match (${r.total} searched, ${indexed}).`);
        return;
      }
      const picked = await vscode.window.showQuickPick(r.hits.map(hitItem), {
        title: `${hitsTitle(r.hits.length, r.truncated, r.total)} · ${indexed}`,
        placeHolder: 'Open an entry',
        matchOnDescription: true,
        matchOnDetail: true,
      });
      if (picked) await vscode.commands.executeCommand('vscode.open', vscode.Uri.parse(picked.uri));
    } catch (e) {
      void vscode.window.showErrorMessage(`Search failed: ${errorMessage(e)}`);
    }
  });
}
