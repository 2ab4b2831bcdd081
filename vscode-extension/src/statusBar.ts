// Status bar: the active connection, its request-budget use and a warning when rate-limited or offline.
import * as vscode from 'vscode';
import type { StatusParams } from './protocol';
import { budgetText, type Health, healthOf, statusText } from './statusText';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('datastoreManager.status', vscode.StatusBarAlignment.Left, 50);
  private connection: string | undefined;
  private health: Health = 'starting';
  /** The server's last dataStore/status per connection. */
  private readonly statuses = new Map<string, StatusParams>();

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

  /** A dataStore/status notification; the first connection reported becomes the active one. */
  setStatus(status: StatusParams): void {
    this.statuses.set(status.connection, status);
    this.connection ??= status.connection;
    this.render();
  }

  private render(): void {
    const status = this.connection ? this.statuses.get(this.connection) : undefined;
    const health = healthOf(status, this.health);
    this.item.text = statusText(this.connection, health, status);
    const warn = health === 'rateLimited' || health === 'offline';
    this.item.backgroundColor = warn ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const budget = budgetText(status);
    this.item.tooltip = warn
      ? `DataStore Manager: ${health === 'offline' ? 'server or backend offline (click for log)' : 'rate-limited by Roblox; requests are queued'}`
      : `DataStore Manager${budget ? `: request budget ${budget}` : ''} — show server log`;
  }

  dispose(): void {
    this.item.dispose();
  }
}
