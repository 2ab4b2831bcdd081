// Quick picks for commands run from the Command Palette (from the tree they get its node).
import * as vscode from 'vscode';
import type { ConnectionInfo, Page, StoreInfo } from '../protocol';
import type { Server } from '../server/client';

/** The connection to act on: the only one there is, or the user's pick (undefined: none/cancel). */
export async function pickConnection(server: Server, title: string): Promise<string | undefined> {
  const r = await server.request<{ connections: ConnectionInfo[] }>('dataStore/listConnections', {});
  if (r.connections.length === 0) {
    void vscode.window.showWarningMessage('No connections yet: run "DataStore: Add Connection" first.');
    return undefined;
  }
  if (r.connections.length === 1) return r.connections[0]?.name;
  const picked = await vscode.window.showQuickPick(
    r.connections.map((c) => ({ label: c.name, description: c.target })),
    { title, placeHolder: 'Connection' },
  );
  return picked?.label;
}

/** A data store of a picked connection (the first 100 stores are offered). */
export async function pickStore(server: Server, title: string): Promise<{ connection: string; store: string } | undefined> {
  const connection = await pickConnection(server, title);
  if (!connection) return undefined;
  const page = await server.request<Page<StoreInfo>>('dataStore/listStores', { connection, limit: 100 });
  const picked = await vscode.window.showQuickPick(
    page.items.map((s) => ({ label: s.name, description: s.kind === 'ordered' ? 'ordered' : undefined })),
    { title, placeHolder: page.nextCursor ? 'Data store (the first 100 are listed)' : 'Data store' },
  );
  return picked ? { connection, store: picked.label } : undefined;
}
