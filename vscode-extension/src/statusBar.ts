// Status bar: the active connection, server state, and a warning when rate-limited or offline.
import * as vscode from 'vscode';
import { type Health, statusText } from './statusText';

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
