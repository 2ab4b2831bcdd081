// Status bar text for a connection, health and the server's dataStore/status (no VS Code API: unit-tested).
import type { StatusParams } from './protocol';

export type Health = 'starting' | 'ok' | 'rateLimited' | 'offline';

/** The health a dataStore/status notification implies. */
export function healthOf(status: StatusParams | undefined, fallback: Health): Health {
  if (!status) return fallback;
  if (status.offline) return 'offline';
  if (status.rateLimited) return 'rateLimited';
  return fallback === 'starting' ? 'starting' : 'ok';
}

/** "12/300 req/min" (+ " · 4 queued"), or '' without a budget (local and snapshot stores). */
export function budgetText(status: StatusParams | undefined): string {
  if (!status || status.budgetUsed === null || status.budgetLimit === null) return '';
  const queued = status.queued > 0 ? ` · ${status.queued} queued` : '';
  return `${status.budgetUsed}/${status.budgetLimit} req/min${queued}`;
}

export function statusText(connection: string | undefined, health: Health, status?: StatusParams): string {
  const icon = health === 'ok' ? '$(database)' : health === 'starting' ? '$(sync~spin)' : '$(warning)';
  const suffix = health === 'rateLimited' ? ' · rate-limited' : health === 'offline' ? ' · offline' : '';
  const budget = budgetText(status);
  return `${icon} ${connection ?? 'DataStores'}${budget ? ` · ${budget}` : ''}${suffix}`;
}
