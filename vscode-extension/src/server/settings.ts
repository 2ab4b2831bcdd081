// The `dataStoreManager` settings section sent to `dsm serve` (initializationOptions and
// workspace/didChangeConfiguration): built from the `datastoreManager.*` configuration (no
// VS Code API here: unit-tested). API keys come from SecretStorage, never from settings.
import type { ServerSettings } from '../protocol';

/** Reads one `datastoreManager.*` setting (e.g. `vscode.workspace.getConfiguration(...).get`). */
export type ReadSetting = <T>(key: string) => T | undefined;

export const DEFAULT_IDLE_WRITE_TIMEOUT_MINUTES = 15;

function number(value: unknown, valid: (n: number) => boolean): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && valid(value) ? value : undefined;
}

export function serverSettings(get: ReadSetting, apiKeys: Record<string, string>): ServerSettings {
  const indent = get<number>('format.indent') ?? 2;
  const settings: ServerSettings = {
    connections: {},
    apiKeys,
    schemas: get<ServerSettings['schemas']>('schemas') ?? [],
    formatting: { tabSize: indent === 4 ? 4 : 2, sortKeys: get<boolean>('format.sortKeys') ?? false },
    protectedConnections: {
      idleWriteTimeoutMinutes: number(get('protectedConnections.idleWriteTimeoutMinutes'), (n) => n > 0) ?? DEFAULT_IDLE_WRITE_TIMEOUT_MINUTES,
    },
  };
  // Unset: the server's default size; 0 turns the disk cache off.
  const maxSizeMB = number(get('cache.maxSizeMB'), (n) => n >= 0);
  if (maxSizeMB !== undefined) settings.cache = { maxSizeMB };
  return settings;
}
