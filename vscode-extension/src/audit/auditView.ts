// "Audit Log" view: the newest records of the workspace's audit log (dataStore/auditLog).
import * as vscode from 'vscode';
import type { AuditLogResult, AuditRecord } from '../protocol';
import type { Server } from '../server/client';
import { errorMessage } from '../fs/errors';
import { auditDescription, auditIcon, auditLabel, auditTarget, auditTooltip, verifyMessage } from './format';

export const AUDIT_VIEW_LIMIT = 100;

export type AuditNode = { kind: 'record'; record: AuditRecord } | { kind: 'message'; text: string; error?: boolean; tooltip?: string };

export class AuditLogView implements vscode.TreeDataProvider<AuditNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly server: Server) {}

  /** Re-read the log; calls within `delayMs` collapse into one (a burst of saves). */
  refresh(delayMs = 0): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = undefined; this.changed.fire(undefined); }, delayMs);
  }

  async getChildren(node?: AuditNode): Promise<AuditNode[]> {
    if (node) return [];
    try {
      const r = await this.server.request<AuditLogResult>('dataStore/auditLog', { limit: AUDIT_VIEW_LIMIT });
      const nodes: AuditNode[] = r.records.map((record) => ({ kind: 'record', record }));
      if (!r.chain.ok) {
        const message = verifyMessage(r.chain, r.log);
        nodes.unshift({ kind: 'message', text: `Chain broken at line ${r.chain.firstBroken?.line ?? '?'}`, error: true, tooltip: message.text });
      }
      if (nodes.length === 0) nodes.push({ kind: 'message', text: 'No changes recorded yet' });
      return nodes;
    } catch (e) {
      return [{ kind: 'message', text: errorMessage(e), error: true }];
    }
  }

  getTreeItem(node: AuditNode): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon(node.error ? 'error' : 'info', node.error ? new vscode.ThemeColor('list.errorForeground') : undefined);
      item.tooltip = node.tooltip;
      if (node.error && node.tooltip) item.command = { command: 'datastoreManager.verifyAuditLog', title: 'Verify Audit Log' };
      return item;
    }
    const r = node.record;
    const item = new vscode.TreeItem(auditLabel(r), vscode.TreeItemCollapsibleState.None);
    item.description = auditDescription(r, new Date());
    item.tooltip = auditTooltip(r);
    item.iconPath = new vscode.ThemeIcon(auditIcon(r));
    item.contextValue = 'auditRecord';
    item.accessibilityInformation = { label: `${auditLabel(r)}, ${item.description}` };
    const target = auditTarget(r);
    if (target?.kind === 'diff') {
      item.command = { command: 'vscode.diff', title: 'Compare versions', arguments: [vscode.Uri.parse(target.left), vscode.Uri.parse(target.right), target.title] };
    } else if (target) {
      item.command = { command: 'vscode.open', title: 'Open version', arguments: [vscode.Uri.parse(target.uri)] };
    }
    return item;
  }

  /** "Verify Audit Log": the workspace log's chain (the check `dsm audit verify` runs). */
  async verify(): Promise<void> {
    try {
      const r = await this.server.request<AuditLogResult>('dataStore/auditLog', { limit: 1 });
      const message = verifyMessage(r.chain, r.log);
      if (message.ok) void vscode.window.showInformationMessage(message.text);
      else void vscode.window.showErrorMessage(message.text);
    } catch (e) {
      void vscode.window.showErrorMessage(`Verify Audit Log failed: ${errorMessage(e)}`);
    }
    this.refresh();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}

export function registerAuditLog(server: Server, onWrite: vscode.Event<unknown>): vscode.Disposable[] {
  const view = new AuditLogView(server);
  const tree = vscode.window.createTreeView<AuditNode>('datastoreManager.auditLog', { treeDataProvider: view });
  return [
    view, tree,
    onWrite(() => view.refresh(300)), // our own saves, deletes and rollbacks
    tree.onDidChangeVisibility((e) => { if (e.visible) view.refresh(); }),
    vscode.commands.registerCommand('datastoreManager.refreshAuditLog', () => view.refresh()),
    vscode.commands.registerCommand('datastoreManager.verifyAuditLog', () => view.verify()),
  ];
}
