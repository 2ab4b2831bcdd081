// API keys live only in SecretStorage; the (non-secret) list of connection names that have one
// is kept in globalState so the keys can be handed to the server at start.
import * as vscode from 'vscode';

const NAMES = 'datastoreManager.apiKeyNames';
const secretId = (name: string): string => `datastoreManager.apiKey/${name}`;

export class ApiKeys {
  constructor(private readonly context: vscode.ExtensionContext) {}

  private names(): string[] {
    return this.context.globalState.get<string[]>(NAMES) ?? [];
  }

  async set(name: string, key: string): Promise<void> {
    await this.context.secrets.store(secretId(name), key);
    const names = new Set(this.names()).add(name);
    await this.context.globalState.update(NAMES, [...names]);
  }

  async delete(name: string): Promise<void> {
    await this.context.secrets.delete(secretId(name));
    await this.context.globalState.update(NAMES, this.names().filter((n) => n !== name));
  }

  /** name → key, for the server's in-memory `apiKeys` setting. */
  async all(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const name of this.names()) {
      const key = await this.context.secrets.get(secretId(name));
      if (key) out[name] = key;
    }
    return out;
  }
}
