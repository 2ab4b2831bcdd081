// FileSystemProvider for `datastore://`: every operation is one `dataStore/*` request.
import * as vscode from 'vscode';
import { ResponseError } from 'vscode-languageclient/node';
import { type DirectoryEntry, ErrorCodes, type Page, type ReadResult, type StatResult, type WriteResult } from '../protocol';
import type { Server } from '../server/client';
import { Conflicts, isConflictData } from './conflicts';
import { toFileSystemError } from './errors';
import { OpenedVersions } from './versions';
import { fileStatOf, MAX_DIRECTORY_ENTRIES } from './stat';


export class DataStoreFileSystem implements vscode.FileSystemProvider {
  private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changes.event;
  private readonly conflictEmitter = new vscode.EventEmitter<string>();
  /** Fires the URI of an entry whose save lost a race (see Conflicts). */
  readonly onDidConflict = this.conflictEmitter.event;

  constructor(
    private readonly server: Server,
    readonly versions: OpenedVersions,
    readonly conflicts: Conflicts,
  ) {}

  private async read(uri: vscode.Uri): Promise<ReadResult> {
    try {
      return await this.server.request<ReadResult>('dataStore/read', { uri: uri.toString() });
    } catch (e) {
      throw toFileSystemError(e, uri);
    }
  }

  /** dataStore/stat: version, size and times without reading the value. */
  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    try {
      return fileStatOf(await this.server.request<StatResult>('dataStore/stat', { uri: uri.toString() }));
    } catch (e) {
      throw toFileSystemError(e, uri);
    }
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const r = await this.read(uri);
    if (!r.readOnly) this.versions.set(uri.toString(), r.version);
    return Buffer.from(r.content, 'utf8');
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const key = uri.toString();
    const text = Buffer.from(content).toString('utf8');
    const expectedVersion = this.versions.has(key) ? this.versions.get(key) ?? null : null;
    try {
      const r = await this.server.request<WriteResult>('dataStore/write', { uri: uri.toString(), content: text, expectedVersion });
      this.versions.set(key, r.version);
      this.conflicts.clear(key);
    } catch (e) {
      if (e instanceof ResponseError && e.code === ErrorCodes.Conflict && isConflictData(e.data)) {
        this.conflicts.record(key, text, e.data);
        this.conflictEmitter.fire(key);
        // Failing the save keeps the editor dirty: the user's text is never dropped.
        throw vscode.FileSystemError.Unavailable(`${e.message} Resolve it in the diff editor.`);
      }
      throw toFileSystemError(e, uri);
    }
    this.changes.fire([{ type: vscode.FileChangeType.Changed, uri }]);
  }

  async delete(uri: vscode.Uri): Promise<void> {
    const key = uri.toString();
    try {
      await this.server.request('dataStore/delete', { uri: uri.toString(), expectedVersion: this.versions.get(key) ?? undefined });
    } catch (e) {
      throw toFileSystemError(e, uri);
    }
    this.versions.forget(key);
    this.changes.fire([{ type: vscode.FileChangeType.Deleted, uri }]);
  }

  /** Tell open editors an entry changed on the server (after a rollback, say). */
  notifyChanged(uri: vscode.Uri): void {
    this.changes.fire([{ type: vscode.FileChangeType.Changed, uri }]);
  }

  /** dataStore/readDirectory, every page (up to MAX_DIRECTORY_ENTRIES children). */
  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    const out: [string, vscode.FileType][] = [];
    let cursor: string | null = null;
    try {
      do {
        const page: Page<DirectoryEntry> = await this.server.request<Page<DirectoryEntry>>('dataStore/readDirectory', { uri: uri.toString(), cursor, limit: 1000 });
        for (const item of page.items) out.push([item.segment, item.type === 'file' ? vscode.FileType.File : vscode.FileType.Directory]);
        cursor = page.nextCursor;
      } while (cursor !== null && out.length < MAX_DIRECTORY_ENTRIES);
    } catch (e) {
      throw toFileSystemError(e, uri);
    }
    return out;
  }

  createDirectory(): void {
    throw vscode.FileSystemError.NoPermissions('Data stores are created by writing an entry.');
  }

  rename(): void {
    throw vscode.FileSystemError.NoPermissions('Entries cannot be renamed.');
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  dispose(): void {
    this.changes.dispose();
    this.conflictEmitter.dispose();
  }
}
