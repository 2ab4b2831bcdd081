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
  /** Set for a connection to an Open Cloud emulator. */
  baseUrl?: string;
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
  /** Present when the server knows cheaply that the key holds a session lock (0.4.0). */
  sessionLock?: KeyLock;
}

/** listKeys item `sessionLock`: live locks make the write gate ask for Force. */
export interface KeyLock {
  state: 'live' | 'stale';
  library: 'ProfileService' | 'ProfileStore' | 'LockId';
  holder?: string;
  since?: string;
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
  connections: Record<string, {
    target: string; readOnly?: boolean; description?: string;
    baseUrl?: string; // opencloud: only, e.g. an emulator's http://127.0.0.1:8787
    orderedScopes?: Record<string, string[]>; // ordered store → scopes Open Cloud cannot list
  }>;
  apiKeys: Record<string, string>;
  schemas: Array<{ fileMatch: string[]; url?: string }>;
  formatting: { tabSize: 2 | 4; sortKeys: boolean };
  cache?: { maxSizeMB: number }; // Open Cloud disk cache; 0 disables it
  protectedConnections?: { idleWriteTimeoutMinutes: number };
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

/** dataStore.search command arguments (docs/protocol.md "Commands"). */
export interface SearchArguments {
  connection: string;
  query?: string;
  store?: string; // a name or a glob
  where?: string[]; // 'path op value' clauses, all must hold
  limit?: number;
  rebuild?: boolean;
}

/** One hit of dataStore.search: values are masked unless revealed. */
export interface SearchHit {
  uri: string;
  store: string;
  scope: string;
  key: string;
  matches?: Array<{ path: string; values: unknown[] }>; // per where clause, in order
  preview?: string;
  deleted?: true; // deleted since the index was built
}

/** dataStore.search command result. */
export interface SearchResult {
  hits: SearchHit[];
  total: number; // entries in the index
  indexedAt: string;
  truncated: boolean; // more than `limit` match
}

/** dataStore/auditLog: one audit record (missing facts are null). */
export interface AuditRecord {
  line: number | null;
  time: string | null;
  user: string | null;
  identity: string | null;
  connection: string | null;
  role: string | null;
  store: string | null;
  scope: string | null;
  key: string | null;
  operation: string;
  outcome: string | null; // ok | refused | failed
  refusal: string | null;
  forced: boolean;
  versionBefore: string | null;
  versionAfter: string | null;
  valueAfter: number | null;
  size: number | null;
  reason: string | null;
  job: string | null;
  beforeUri: string | null; // read-only ?version= URIs of a standard entry
  afterUri: string | null;
}

/** The log's hash chain, as `dsm audit verify` checks it. */
export interface AuditChain {
  ok: boolean;
  checked: number;
  uncommitted: number;
  firstBroken?: { line: number; reason: string };
}

export interface AuditLogResult {
  log: string;
  records: AuditRecord[]; // newest first
  nextCursor: string | null;
  chain: AuditChain;
}
