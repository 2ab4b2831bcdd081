// Tree nodes of the DataStores view. The server supplies every URI; nodes only carry them.
import type { ConnectionInfo, KeyInfo, OrderedItem, ScopeInfo, StoreInfo } from '../protocol';
import { PagedList } from './paging';

export type Node =
  | { kind: 'connection'; info: ConnectionInfo; stores?: PagedList<StoreInfo> }
  | { kind: 'orderedGroup'; connection: string; stores?: PagedList<StoreInfo> }
  // standard stores list scopes; ordered stores list their scopes too, or straight away their
  // entries by value when "global" is their only scope (`entries`)
  | { kind: 'store'; connection: string; info: StoreInfo; scopes?: PagedList<ScopeInfo>; entries?: PagedList<OrderedItem> }
  | { kind: 'scope'; connection: string; store: StoreInfo; scope: ScopeInfo; prefix: string; keys?: PagedList<KeyInfo | OrderedItem> }
  | { kind: 'entry'; connection: string; item: KeyInfo }
  | { kind: 'orderedEntry'; connection: string; item: OrderedItem }
  | { kind: 'loadMore'; parent: Node }
  | { kind: 'message'; text: string; error?: boolean };

/** contextValue used by package.json menus. */
export function contextValue(node: Node): string {
  if (node.kind === 'store' && node.info.kind === 'ordered') return 'orderedStore';
  if (node.kind === 'scope' && node.store.kind === 'ordered') return 'orderedScope'; // no prefix filter
  return node.kind;
}

/** The URI a node stands for, when it has one. */
export function nodeUri(node: Node): string | undefined {
  switch (node.kind) {
    case 'connection': return node.info.uri;
    case 'store': return node.info.uri;
    case 'scope': return node.scope.uri;
    case 'entry':
    case 'orderedEntry': return node.item.uri;
    default: return undefined;
  }
}

/** An ordered store shows its scopes as folders unless "global" is all it has (then its entries). */
export function showsOrderedScopes(scopes: readonly ScopeInfo[], hasMore: boolean): boolean {
  return hasMore || scopes.length !== 1 || scopes[0]?.scope !== 'global';
}

/** A connection's description in the tree: its target, where an emulator serves it, read-only. */
export function connectionDescription(info: Pick<ConnectionInfo, 'target' | 'baseUrl' | 'readOnly'>): string {
  const where = info.baseUrl ? ` @ ${info.baseUrl}` : '';
  return `${info.target}${where}${info.readOnly ? ' (read-only)' : ''}`;
}

export interface StoreTarget {
  connection: string;
  store: string;
}

/** The data store a node belongs to (a store, or one of its scopes), if any. */
export function storeTarget(node: Node | undefined): StoreTarget | undefined {
  if (node?.kind === 'store') return { connection: node.connection, store: node.info.name };
  if (node?.kind === 'scope') return { connection: node.connection, store: node.store.name };
  return undefined;
}
