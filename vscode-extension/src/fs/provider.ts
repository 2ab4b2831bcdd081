// FileSystemProvider for `datastore://`: every operation is one `dataStore/*` request.
import * as vscode from 'vscode';
import { ResponseError } from 'vscode-languageclient/node';
import { ErrorCodes, type ReadResult, type WriteResult } from '../protocol';
import type { Server } from '../server/client';
import { Conflicts, isConflictData } from './conflicts';
import { toFileSystemError } from './errors';
import { wireUri } from './wire';
import { OpenedVersions } from './versions';

const READ_REUSE_MS = 1500; // stat() is followed by readFile(): one request serves both

export class DataStoreFileSystem implements vscode.FileSystemProvider {
  private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changes.event;
  private readonly conflictEmitter = new vscode.EventEmitter<string>();
  /** Fires the URI of an entry whose save lost a race (see Conflicts). */
  readonly onDidConflict = this.conflictEmitter.event;
  private readonly recent = new Map<string, { at: number; result: ReadResult }>();

  constructor(
    private readonly server: Server,
    readonly versions: OpenedVersions,
    readonly conflicts: Conflicts,
  ) {}

  private async read(uri: vscode.Uri): Promise<ReadResult> {
    const key = uri.toString();
    const hit = this.recent.get(key);
    if (hit && Date.now() - hit.at < READ_REUSE_MS) return hit.result;
    try {
      const result = await this.server.request<ReadResult>('dataStore/read', { uri: wireUri(uri) });
      this.recent.set(key, { at: Date.now(), result });
      return result;
    } catch (e) {
      throw toFileSystemError(e, uri);
    }
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const r = await this.read(uri);
    // mtime is the entry's creation time, constant across versions: VS Code's own
    // "file is newer" check must not pre-empt the server's conditional write and our diff.
    const created = r.metadata?.createdTime ? Date.parse(r.metadata.createdTime) : 1;
    return {
      type: vscode.FileType.File,
      ctime: created,
      mtime: created,
      size: Buffer.byteLength(r.content, 'utf8'),
      permissions: r.readOnly ? vscode.FilePermission.Readonly : undefined,
    };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const r = await this.read(uri);
    this.recent.delete(uri.toString());
    if (!r.readOnly) this.versions.set(uri.toString(), r.version);
    return Buffer.from(r.content, 'utf8');
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const key = uri.toString();
    const text = Buffer.from(content).toString('utf8');
    const expectedVersion = this.versions.has(key) ? this.versions.get(key) ?? null : null;
    this.recent.delete(key);
    try {
      const r = await this.server.request<WriteResult>('dataStore/write', { uri: wireUri(uri), content: text, expectedVersion });
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
      await this.server.request('dataStore/delete', { uri: wireUri(uri), expectedVersion: this.versions.get(key) ?? undefined });
    } catch (e) {
      throw toFileSystemError(e, uri);
    }
    this.versions.forget(key);
    this.changes.fire([{ type: vscode.FileChangeType.Deleted, uri }]);
  }

  /** Tell open editors an entry changed on the server (after a rollback, say). */
  notifyChanged(uri: vscode.Uri): void {
    this.recent.delete(uri.toString());
    this.changes.fire([{ type: vscode.FileChangeType.Changed, uri }]);
  }

  // The server lists stores/scopes/keys as pages (tree view); folders are not files here.
  readDirectory(): [string, vscode.FileType][] {
    throw vscode.FileSystemError.NoPermissions('Browse data stores in the DataStores view.');
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
