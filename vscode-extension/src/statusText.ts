// Status bar text for a connection and health (no VS Code API: unit-tested).
export type Health = 'starting' | 'ok' | 'rateLimited' | 'offline';

export function statusText(connection: string | undefined, health: Health): string {
  const icon = health === 'ok' ? '$(database)' : health === 'starting' ? '$(sync~spin)' : '$(warning)';
  const suffix = health === 'rateLimited' ? ' · rate-limited' : health === 'offline' ? ' · offline' : '';
  return `${icon} ${connection ?? 'DataStores'}${suffix}`;
}
