// "DataStores" view: connections → stores → scopes → keys, each level paged by the server.
import * as vscode from 'vscode';
import type { ConnectionInfo, DirectoryEntry, KeyInfo, OrderedItem, Page, ScopeInfo, StoreInfo } from '../protocol';
import type { Server } from '../server/client';
import { errorMessage } from '../fs/errors';
import { lockMarker } from './lockMarker';
import { connectionDescription, contextValue, type Node, nodeUri, showsOrderedScopes } from './nodes';
import { PagedList } from './paging';

export class DataStoresTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private connections: Node[] | undefined;

  constructor(private readonly server: Server) {}

  private pageSize(): number {
    return vscode.workspace.getConfiguration('datastoreManager').get<number>('pageSize') ?? 50;
  }

  refresh(node?: Node): void {
    if (!node) this.connections = undefined;
    else if (node.kind === 'connection') node.stores = undefined;
    else if (node.kind === 'orderedGroup') node.stores = undefined;
    else if (node.kind === 'store') { node.scopes = undefined; node.entries = undefined; }
    else if (node.kind === 'scope') node.keys = undefined;
    this.changed.fire(node);
  }

  async loadMore(node: Node): Promise<void> {
    if (node.kind !== 'loadMore') return;
    const list = this.listOf(node.parent);
    await list?.loadMore();
    this.changed.fire(node.parent);
  }

  setPrefix(node: Node, prefix: string): void {
    if (node.kind !== 'scope') return;
    node.prefix = prefix;
    this.refresh(node);
  }

  private listOf(node: Node): PagedList<unknown> | undefined {
    const limit = this.pageSize();
    switch (node.kind) {
      case 'connection':
        return (node.stores ??= new PagedList<StoreInfo>((cursor) =>
          this.server.request<Page<StoreInfo>>('dataStore/listStores', { connection: node.info.name, cursor, limit })));
      case 'orderedGroup':
        return (node.stores ??= new PagedList<StoreInfo>((cursor) =>
          this.server.request<Page<StoreInfo>>('dataStore/listStores', { connection: node.connection, kind: 'ordered', cursor, limit })));
      case 'store':
        // Ordered stores: entries sorted by value, highest first (leaderboards), straight away
        // when "global" is the only scope (see orderedScopes), else per scope.
        if (node.info.kind === 'ordered' && node.scopes && !showsOrderedScopes(node.scopes.items, node.scopes.hasMore)) {
          return (node.entries ??= new PagedList<OrderedItem>((cursor) =>
            this.server.request<Page<OrderedItem>>('dataStore/orderedList', { connection: node.connection, store: node.info.name, descending: true, cursor, limit })));
        }
        if (node.info.kind === 'ordered') return this.orderedScopes(node, limit);
        return (node.scopes ??= new PagedList<ScopeInfo>((cursor) =>
          this.server.request<Page<ScopeInfo>>('dataStore/listScopes', { connection: node.connection, store: node.info.name, cursor, limit })));
      case 'scope': {
        const base = { connection: node.connection, store: node.store.name, scope: node.scope.scope, cursor: undefined as string | undefined, limit };
        if (node.store.kind === 'ordered') {
          return (node.keys ??= new PagedList<KeyInfo | OrderedItem>((cursor) =>
            this.server.request<Page<OrderedItem>>('dataStore/orderedList', { ...base, cursor, descending: true })));
        }
        return (node.keys ??= new PagedList<KeyInfo | OrderedItem>((cursor) =>
          this.server.request<Page<KeyInfo>>('dataStore/listKeys', { ...base, cursor, prefix: node.prefix || undefined })));
      }
      default:
        return undefined;
    }
  }

  /** An ordered store's scopes from dataStore/readDirectory: the real ones (local, snapshot), or
   *  "global" plus the connection's `orderedScopes` (Open Cloud cannot list them). */
  private orderedScopes(node: Extract<Node, { kind: 'store' }>, limit: number): PagedList<ScopeInfo> {
    return (node.scopes ??= new PagedList<ScopeInfo>(async (cursor) => {
      const page = await this.server.request<Page<DirectoryEntry>>('dataStore/readDirectory', { uri: node.info.uri, cursor, limit });
      return { items: page.items.map((d) => ({ scope: d.name, uri: d.uri })), nextCursor: page.nextCursor };
    }));
  }

  async getChildren(node?: Node): Promise<Node[]> {
    try {
      if (!node) {
        if (!this.connections) {
          const r = await this.server.request<{ connections: ConnectionInfo[]; configError?: string | null }>('dataStore/listConnections', {});
          this.connections = r.connections.map((info) => ({ kind: 'connection', info }));
          // A broken .datastore-manager.json or setting must be visible, not a silently short list.
          if (r.configError) this.connections.unshift({ kind: 'message', text: `Configuration problem: ${r.configError}`, error: true });
        }
        return this.connections;
      }
      if (node.kind === 'store' && node.info.kind === 'ordered') await this.orderedScopes(node, this.pageSize()).ensureStarted();
      const list = this.listOf(node);
      if (!list) return [];
      await (list as PagedList<unknown>).ensureStarted();
      const children = this.childrenOf(node);
      // "Load more…" goes after the stores page, before the ordered-stores group
      if (list.hasMore) children.splice(node.kind === 'connection' ? children.length - 1 : children.length, 0, { kind: 'loadMore', parent: node });
      if (children.length === 0) children.push({ kind: 'message', text: node.kind === 'scope' && node.prefix ? `No keys start with "${node.prefix}"` : 'Empty' });
      return children;
    } catch (e) {
      return [{ kind: 'message', text: errorMessage(e), error: true }];
    }
  }

  private childrenOf(node: Node): Node[] {
    switch (node.kind) {
      case 'connection': {
        const stores: Node[] = (node.stores?.items ?? []).map((info) => ({ kind: 'store', connection: node.info.name, info }));
        return [...stores, { kind: 'orderedGroup', connection: node.info.name }];
      }
      case 'orderedGroup':
        return (node.stores?.items ?? []).map((info) => ({ kind: 'store', connection: node.connection, info }));
      case 'store':
        if (node.info.kind === 'ordered' && node.entries) return node.entries.items.map((item) => ({ kind: 'orderedEntry', connection: node.connection, item }));
        return (node.scopes?.items ?? []).map((scope) => ({ kind: 'scope', connection: node.connection, store: node.info, scope, prefix: '' }));
      case 'scope':
        return (node.keys?.items ?? []).map((item) => ('value' in item
          ? { kind: 'orderedEntry', connection: node.connection, item }
          : { kind: 'entry', connection: node.connection, item }));
      default:
        return [];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    let item: vscode.TreeItem;
    switch (node.kind) {
      case 'connection':
        item = new vscode.TreeItem(node.info.name, C.Collapsed);
        item.description = connectionDescription(node.info);
        item.iconPath = new vscode.ThemeIcon(node.info.kind === 'opencloud' ? 'cloud' : 'database');
        item.tooltip = node.info.description ?? connectionDescription(node.info);
        break;
      case 'orderedGroup':
        item = new vscode.TreeItem('Ordered data stores', C.Collapsed);
        item.iconPath = new vscode.ThemeIcon('list-ordered');
        break;
      case 'store':
        item = new vscode.TreeItem(node.info.name, C.Collapsed);
        item.iconPath = new vscode.ThemeIcon(node.info.kind === 'ordered' ? 'list-ordered' : 'folder-library');
        item.description = node.info.kind === 'ordered' ? 'ordered' : undefined;
        break;
      case 'scope':
        item = new vscode.TreeItem(node.scope.scope, C.Collapsed);
        item.iconPath = new vscode.ThemeIcon('symbol-namespace');
        item.description = node.prefix ? `prefix: ${node.prefix}` : undefined;
        break;
      case 'entry': {
        item = new vscode.TreeItem(node.item.key, C.None);
        item.iconPath = new vscode.ThemeIcon(node.item.deleted ? 'trash' : 'json');
        item.description = node.item.deleted ? 'deleted' : undefined;
        const lock = lockMarker(node.item.sessionLock);
        if (lock) {
          item.iconPath = new vscode.ThemeIcon(lock.icon, lock.color ? new vscode.ThemeColor(lock.color) : undefined);
          item.tooltip = `${lock.tooltip}\n${node.item.uri}`;
        }
        item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.parse(node.item.uri)] };
        break;
      }
      case 'orderedEntry':
        item = new vscode.TreeItem(node.item.key, C.None);
        item.iconPath = new vscode.ThemeIcon('symbol-number');
        item.description = String(node.item.value);
        item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.parse(node.item.uri)] };
        break;
      case 'loadMore':
        item = new vscode.TreeItem('Load more…', C.None);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'datastoreManager.loadMore', title: 'Load more', arguments: [node] };
        break;
      case 'message':
        item = new vscode.TreeItem(node.text, C.None);
        item.iconPath = new vscode.ThemeIcon(node.error ? 'error' : 'info');
        break;
    }
    // Screen readers (and the e2e test) get the plain name; details are in the tooltip.
    if (typeof item.label === 'string') item.accessibilityInformation = { label: node.kind === 'orderedEntry' ? `${item.label}, value ${String(item.description)}` : item.label };
    item.contextValue = contextValue(node);
    const uri = nodeUri(node);
    if (uri && !item.tooltip) item.tooltip = uri;
    return item;
  }
}
