// Types of the `dsm serve` custom protocol (docs/protocol.md, schemas/protocol/). Only the
// fields the extension reads are typed; the server owns every meaning.

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ConnectionInfo {
  name: string;
  target: string;
  kind: 'local' | 'opencloud' | 'snapshot';
  readOnly: boolean;
  hasApiKey: boolean;
  description?: string;
  uri: string;
  source?: 'workspace' | 'client';
}

export interface StoreInfo {
  name: string;
  kind: 'standard' | 'ordered';
  state?: string;
  uri: string;
}

export interface ScopeInfo {
  scope: string;
  uri: string;
}

export interface KeyInfo {
  scope: string;
  key: string;
  deleted: boolean;
  uri: string;
}

export interface OrderedItem {
  uri: string;
  scope: string;
  key: string;
  value: number;
}

export interface EntryMetadata {
  createdTime: string;
  updatedTime: string;
  versionCreatedTime: string;
  size: number;
}

export interface ReadResult {
  uri: string;
  kind: 'standard' | 'ordered';
  content: string;
  version: string | null;
  readOnly: boolean;
  metadata?: EntryMetadata | null;
}

export interface WriteResult {
  uri: string;
  version: string | null;
}

export interface VersionInfo {
  version: string;
  deleted: boolean;
  contentLength: number;
  createdTime: string;
  uri?: string;
}

export interface ConflictRemote {
  exists: boolean;
  deleted?: boolean;
  version: string | null;
  content: string | null;
}

export interface ConflictData {
  error: string;
  message: string;
  uri: string;
  expectedVersion: string | null;
  remote: ConflictRemote;
}

/** JSON-RPC error codes of docs/protocol.md "Errors". */
export const ErrorCodes = {
  InvalidArgument: 1001,
  NotFound: 1002,
  Conflict: 1003,
  PermissionDenied: 1004,
  Unauthenticated: 1005,
  RateLimited: 1006,
  Unavailable: 1007,
  NotSupported: 1008,
  SessionLocked: 1009,
} as const;

/** Settings section sent as initializationOptions and in didChangeConfiguration. */
export interface ServerSettings {
  connections: Record<string, { target: string; readOnly?: boolean; description?: string }>;
  apiKeys: Record<string, string>;
  schemas: Array<{ fileMatch: string[]; url?: string }>;
  formatting: { tabSize: 2 | 4; sortKeys: boolean };
}

/** dataStore/stat: cheap metadata (no value). */
export interface StatResult {
  uri: string;
  type: 'file' | 'directory';
  version: string | null;
  size: number;
  createdTime: string | null;
  updatedTime: string | null;
  readOnly: boolean;
}

/** dataStore/readDirectory: one page of a folder's children. */
export interface DirectoryEntry {
  name: string;
  segment: string; // the URI path segment to join to the folder (escaped; entries end in .json)
  type: 'file' | 'directory';
  uri: string;
}

/** dataStore/status notification (server → client, on change, ≤ 2/s per connection). */
export interface StatusParams {
  connection: string;
  budgetUsed: number | null;
  budgetLimit: number | null;
  queued: number;
  rateLimited: boolean;
  offline: boolean;
}

/** dataStore/testConnection result. */
export interface PermissionRow {
  operation: string;
  scope: string;
  allowed: boolean | null;
  probed: boolean;
  detail: string;
}

export interface TestConnectionResult {
  connection: string;
  ok: boolean;
  target: string;
  kind: 'local' | 'opencloud' | 'snapshot';
  readOnly: boolean;
  permissions: PermissionRow[];
  budget: { used: number; limit: number; queued: number } | null;
}

/** dataStore.export command result. */
export interface ExportResult {
  out: string | null;
  format: 'jsonl' | 'csv';
  entries: number;
  cancelled: boolean;
}
