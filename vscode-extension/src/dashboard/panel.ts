// Opens the dashboard webview for a store and feeds it the server's statistics.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Server } from '../server/client';
import { errorMessage } from '../fs/errors';
import type { StoreTarget } from '../tree/nodes';
import type { DashboardData, FromWebview, ToWebview } from './data';
import { makeNonce, renderDashboardHtml } from './html';

export function openDashboard(context: vscode.ExtensionContext, server: Server, target: StoreTarget): void {
  const title = `Dashboard: ${target.store}`;
  const root = vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview');
  const panel = vscode.window.createWebviewPanel('datastoreManager.dashboard', title, vscode.ViewColumn.Active, {
    enableScripts: true,
    localResourceRoots: [root],
  });
  const webview = panel.webview;
  webview.html = renderDashboardHtml({
    cspSource: webview.cspSource,
    nonce: makeNonce((n) => randomBytes(n)),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dashboard.js')).toString(),
    title,
  });
  const post = (m: ToWebview): Thenable<boolean> => webview.postMessage(m);
  webview.onDidReceiveMessage(async (m: FromWebview) => {
    if (m.type !== 'ready') return;
    try {
      // Statistics are computed by the server (see the extension README: dataStore/storeStats).
      const data = await server.request<DashboardData>('dataStore/storeStats', target);
      void post({ type: 'data', data });
    } catch (e) {
      void post({ type: 'error', message: `No statistics from the server: ${errorMessage(e)}` });
    }
  });
}
