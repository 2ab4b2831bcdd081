// "Versions" view: the versions of the entry in the active editor, newest first.
import * as vscode from 'vscode';
import type { Page, VersionInfo } from '../protocol';
import type { Server } from '../server/client';
import { errorMessage } from '../fs/errors';

export interface VersionNode { entry: string; info: VersionInfo }

export function formatSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

export class VersionsView implements vscode.TreeDataProvider<VersionNode | string> {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private entry: string | undefined;

  constructor(private readonly server: Server) {}

  get current(): string | undefined {
    return this.entry;
  }

  /** Show the versions of `uri` (a datastore:// entry without ?version=). */
  show(uri: vscode.Uri | undefined): void {
    const next = uri && uri.scheme === 'datastore' && !uri.query ? uri.toString() : this.entry;
    if (next === this.entry && uri) { this.changed.fire(undefined); return; }
    this.entry = next;
    this.changed.fire(undefined);
  }

  async getChildren(node?: VersionNode | string): Promise<Array<VersionNode | string>> {
    if (node || !this.entry) return [];
    const entry = this.entry;
    try {
      const page = await this.server.request<Page<VersionInfo>>('dataStore/listVersions', { uri: entry, descending: true, limit: 100 });
      return page.items.map((info) => ({ entry, info }));
    } catch (e) {
      return [errorMessage(e)];
    }
  }

  /** Latest version of the shown entry (the precondition of a rollback). */
  async latest(entry: string): Promise<string | null> {
    const page = await this.server.request<Page<VersionInfo>>('dataStore/listVersions', { uri: entry, descending: true, limit: 1 });
    return page.items[0]?.version ?? null;
  }

  getTreeItem(node: VersionNode | string): vscode.TreeItem {
    if (typeof node === 'string') return new vscode.TreeItem(node);
    const { info } = node;
    const item = new vscode.TreeItem(new Date(info.createdTime).toLocaleString(), vscode.TreeItemCollapsibleState.None);
    item.description = `${info.version} · ${info.deleted ? 'deleted' : formatSize(info.contentLength)}`;
    item.iconPath = new vscode.ThemeIcon(info.deleted ? 'trash' : 'history');
    item.contextValue = 'version';
    item.accessibilityInformation = { label: `version ${info.version}` };
    if (info.uri) item.command = { command: 'vscode.open', title: 'Open version', arguments: [vscode.Uri.parse(info.uri)] };
    return item;
  }
}
