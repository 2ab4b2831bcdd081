// Adds/removes connection definitions in the workspace's `.datastore-manager.json` (shared with
// the team, never holds secrets). The server validates and reads the file; this only edits it.
import * as vscode from 'vscode';

export const CONFIG_FILE = '.datastore-manager.json';

interface ConfigFile { connections?: Record<string, Record<string, unknown>>; [k: string]: unknown }

function configUri(): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, CONFIG_FILE) : undefined;
}

async function load(uri: vscode.Uri): Promise<ConfigFile> {
  try {
    return JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8')) as ConfigFile;
  } catch (e) {
    if (e instanceof vscode.FileSystemError) return {};
    throw new Error(`${CONFIG_FILE} is not valid JSON; fix it first (${String(e)})`);
  }
}

/** A connection as written to the file: never an API key (those stay in SecretStorage). */
export type ConnectionDefinition = { target: string; description?: string; baseUrl?: string };

export async function putConnection(name: string, definition: ConnectionDefinition): Promise<void> {
  const uri = configUri();
  if (!uri) throw new Error('Open a folder first: connections are kept in its .datastore-manager.json.');
  const config = await load(uri);
  config.connections = { ...(config.connections ?? {}), [name]: definition };
  await vscode.workspace.fs.writeFile(uri, Buffer.from(JSON.stringify(config, null, 2) + '\n', 'utf8'));
}

export async function removeConnection(name: string): Promise<boolean> {
  const uri = configUri();
  if (!uri) return false;
  const config = await load(uri);
  if (!config.connections?.[name]) return false;
  delete config.connections[name];
  await vscode.workspace.fs.writeFile(uri, Buffer.from(JSON.stringify(config, null, 2) + '\n', 'utf8'));
  return true;
}
