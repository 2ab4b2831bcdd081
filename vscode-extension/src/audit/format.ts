// How the "Audit Log" view shows a record (pure: no vscode import, unit-tested).
import type { AuditChain, AuditRecord } from '../protocol';

const OPERATION_ICONS: Record<string, string> = {
  set: 'edit',
  delete: 'trash',
  increment: 'add',
  rollback: 'discard',
  'ordered.set': 'symbol-number',
  'ordered.increment': 'add',
  'ordered.delete': 'trash',
  'job.start': 'run-all',
  'job.end': 'check-all',
  'rotate-key': 'key',
};

/** Codicon of a record: refusals and failures first, then the operation. */
export function auditIcon(r: AuditRecord): string {
  if (r.outcome === 'refused') return 'circle-slash';
  if (r.outcome === 'failed') return 'error';
  if (r.outcome === 'unknown') return 'question';
  if (r.forced) return 'unlock';
  return OPERATION_ICONS[r.operation] ?? 'note';
}

/** "set PlayerData/Player_1" (jobs: "job.start restore-3f2a"); refusals say so. */
export function auditLabel(r: AuditRecord): string {
  const what = r.store && r.key ? `${r.store}/${r.key}` : r.store ?? r.job ?? '';
  const label = what ? `${r.operation} ${what}` : r.operation;
  if (r.outcome === 'refused') return `${label} (refused)`;
  if (r.outcome === 'failed') return `${label} (failed)`;
  if (r.outcome === 'unknown') return `${label} (outcome unknown)`;
  return label;
}

/** "5 min ago", "3 h ago", "2 days ago" ("just now" under 45 s; future times too). */
export function relativeTime(iso: string | null, now: Date): string {
  if (!iso) return 'unknown time';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now.getTime() - then) / 1000);
  if (seconds < 45) return 'just now';
  if (seconds < 90 * 60) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  if (seconds < 24 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  const days = Math.floor(seconds / 86400);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** Who made the change: the editor's account when known, else the OS user. */
export function auditWho(r: AuditRecord): string {
  return r.identity ?? r.user ?? 'unknown user';
}

export function auditDescription(r: AuditRecord, now: Date): string {
  return `${relativeTime(r.time, now)} · ${auditWho(r)}`;
}

/** Every field, one per line, for the tooltip. */
export function auditTooltip(r: AuditRecord): string {
  const rows: Array<[string, string | number | null]> = [
    ['Operation', r.operation + (r.forced ? ' (forced over a live session lock)' : '')],
    ['Outcome', r.outcome === 'refused' && r.refusal ? `refused (${r.refusal})` : r.outcome],
    ['Time', r.time],
    ['User', r.user],
    ['Identity', r.identity],
    ['Connection', r.role ? `${r.connection ?? '?'} (${r.role})` : r.connection],
    ['Store', r.store],
    ['Scope', r.scope],
    ['Key', r.key],
    ['Version before', r.versionBefore],
    ['Version after', r.versionAfter],
    ['Value after', r.valueAfter],
    ['Size', r.size === null ? null : `${r.size} characters`],
    ['Reason', r.reason],
    ['Job', r.job],
    ['Log line', r.line],
  ];
  return rows.filter(([, v]) => v !== null && v !== '').map(([k, v]) => `${k}: ${String(v)}`).join('\n');
}

export type AuditTarget =
  | { kind: 'diff'; left: string; right: string; title: string }
  | { kind: 'open'; uri: string };

/** What selecting a record opens: the diff of its before/after versions when both exist and
 * are values (a delete's "after" is a tombstone: the value before is opened instead). */
export function auditTarget(r: AuditRecord): AuditTarget | undefined {
  if (r.outcome !== 'ok' && r.outcome !== null) return r.beforeUri ? { kind: 'open', uri: r.beforeUri } : undefined;
  if (r.operation === 'delete') return r.beforeUri ? { kind: 'open', uri: r.beforeUri } : undefined;
  if (r.beforeUri && r.afterUri) {
    return { kind: 'diff', left: r.beforeUri, right: r.afterUri, title: `${r.key ?? ''}: ${r.versionBefore ?? ''} ↔ ${r.versionAfter ?? ''} (${r.operation})` };
  }
  const only = r.afterUri ?? r.beforeUri;
  return only ? { kind: 'open', uri: only } : undefined;
}

/** The message of "Verify Audit Log": the chain's state in one sentence. */
export function verifyMessage(chain: AuditChain, log: string): { ok: boolean; text: string } {
  if (chain.ok) {
    const pending = chain.uncommitted ? ` (${chain.uncommitted} after the head: a batch interrupted by a crash)` : '';
    return { ok: true, text: `Audit log intact: ${chain.checked} record${chain.checked === 1 ? '' : 's'}${pending}.` };
  }
  const broken = chain.firstBroken;
  const where = broken ? `line ${broken.line}: ${broken.reason}` : 'unknown line';
  return { ok: false, text: `Audit log broken at ${where} (${chain.checked} records before it are intact; ${log}).` };
}
