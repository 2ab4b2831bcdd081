// Status bar: the active connection, server state, and a warning when rate-limited or offline.
import * as vscode from 'vscode';

export type Health = 'starting' | 'ok' | 'rateLimited' | 'offline';

export function statusText(connection: string | undefined, health: Health): string {
  const icon = health === 'ok' ? '$(database)' : health === 'starting' ? '$(sync~spin)' : '$(warning)';
  const suffix = health === 'rateLimited' ? ' · rate-limited' : health === 'offline' ? ' · offline' : '';
  return `${icon} ${connection ?? 'DataStores'}${suffix}`;
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('datastoreManager.status', vscode.StatusBarAlignment.Left, 50);
  private connection: string | undefined;
  private health: Health = 'starting';

  constructor() {
    this.item.name = 'DataStore Manager';
    this.item.command = 'datastoreManager.showLog';
    this.render();
    this.item.show();
  }

  setConnection(name: string | undefined): void {
    this.connection = name;
    this.render();
  }

  setHealth(health: Health): void {
    this.health = health;
    this.render();
  }

  private render(): void {
    this.item.text = statusText(this.connection, this.health);
    const warn = this.health === 'rateLimited' || this.health === 'offline';
    this.item.backgroundColor = warn ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.tooltip = warn ? `DataStore Manager: ${this.health === 'offline' ? 'server not running (click for log)' : 'rate-limited by Roblox; requests are queued'}` : 'DataStore Manager: show server log';
  }

  dispose(): void {
    this.item.dispose();
  }
}
