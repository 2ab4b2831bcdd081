// dataStore/stat result → vscode.FileStat fields (no VS Code API: unit-tested).
import type { StatResult } from '../protocol';

export const MAX_DIRECTORY_ENTRIES = 10_000;

// Same numeric values as vscode.FileType / vscode.FilePermission.
const FILE = 1;
const DIRECTORY = 2;
const READONLY = 1;

export interface PlainFileStat {
  type: number;
  ctime: number;
  mtime: number;
  size: number;
  permissions?: number;
}

/** mtime is the entry's creation time, constant across versions: VS Code's own "file is
 * newer" check must not pre-empt the server's conditional write and our conflict diff. */
export function fileStatOf(r: StatResult): PlainFileStat {
  const created = r.createdTime ? Date.parse(r.createdTime) : 1;
  return {
    type: r.type === 'directory' ? DIRECTORY : FILE,
    ctime: created,
    mtime: created,
    size: r.size,
    permissions: r.readOnly && r.type === 'file' ? READONLY : undefined,
  };
}
