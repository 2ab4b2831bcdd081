// dataStore/testConnection result → the message "Test connection" shows (no VS Code API: unit-tested).
import type { TestConnectionResult } from '../protocol';

const mark = (allowed: boolean | null): string => (allowed === true ? '✓' : allowed === false ? '✗' : '?');

/** One line: verdict, then each operation with ✓ allowed, ✗ denied, ? not probed. */
export function permissionSummary(r: TestConnectionResult): string {
  const verdict = r.ok ? `"${r.connection}" works` : `"${r.connection}" is missing permissions`;
  const ops = r.permissions.map((p) => `${mark(p.allowed)} ${p.operation}`).join(', ');
  const denied = r.permissions.filter((p) => p.allowed === false && p.probed).map((p) => `${p.operation}: ${p.detail}`);
  const budget = r.budget ? ` Budget ${r.budget.used}/${r.budget.limit} req/min.` : '';
  return `${verdict} (${r.kind}${r.readOnly ? ', read-only' : ''}): ${ops}.${budget}${denied.length ? ` ${denied.join('; ')}` : ''}`;
}
