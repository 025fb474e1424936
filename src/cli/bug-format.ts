/**
 * How bugs read on a terminal: the list table, the detail view with its history, and the one-line
 * outcome of each action. Pure.
 */
import type { BatchResult, Bug, BugWithHistory } from './api-types.ts';
import { formatInstant, formatTable, orDash, truncate } from './table.ts';

const TITLE_WIDTH = 60;

export function formatBugList(bugs: readonly Bug[]): string[] {
  if (bugs.length === 0) return ['no bugs match'];
  const rows = bugs.map((b) => [String(b.id), b.severity, b.status, flowCell(b), orDash(b.module), truncate(b.title, TITLE_WIDTH)]);
  return formatTable([['ID', 'SEVERITY', 'STATUS', 'FLOW', 'MODULE', 'TITLE'], ...rows]);
}

export function formatBugDetail(bug: BugWithHistory): string[] {
  const fields: [string, string][] = [
    ['system', bug.system],
    ['status', bug.status],
    ['severity', bug.severity],
    ['found in', bug.foundInEnv],
    ['module', orDash(bug.module)],
    ['services', bug.services.length ? bug.services.join(', ') : '-'],
    ['flow', bug.fixFlow ? `${bug.fixFlow}${bug.flowReason ? ` (${bug.flowReason})` : ''}` : '-'],
  ];
  if (bug.flowHold) fields.push(['waiting', bug.flowHold]);
  if (bug.flowOverrideReason) fields.push(['override', bug.flowOverrideReason]);
  fields.push(['reporter', bug.reporter], ['fix by', orDash(bug.fixAttachedBy)]);
  if (bug.runsAtLocal) fields.push(['runs at', bug.runsAtLocal]);
  fields.push(['version', String(bug.version)], ['created', formatInstant(bug.createdAt)], ['updated', formatInstant(bug.updatedAt)]);

  const lines = [`bug ${bug.id}: ${bug.title}`, ...formatTable(fields.map(([k, v]) => [k, v]))];
  if (bug.description.trim()) lines.push('', 'description', ...bug.description.trimEnd().split('\n').map((l) => `  ${l}`));
  lines.push('', 'history');
  const history = bug.history.map((h) => [
    formatInstant(h.at),
    h.action,
    `${h.from ?? ''} → ${h.to}`.trim(),
    `by ${h.actor}${h.reason ? `: ${h.reason}` : ''}`,
  ]);
  lines.push(...formatTable(history).map((l) => `  ${l}`));
  return lines;
}

/** What an action left the bug as, in one line. */
export function describeOutcome(bug: Bug): string {
  switch (bug.status) {
    case 'confirmed':
      if (bug.flowHold) return `bug ${bug.id} confirmed; no flow is safe yet, it waits: ${bug.flowHold}`;
      if (bug.flowOverrideReason) return `bug ${bug.id} confirmed: ${bug.fixFlow} (override: ${bug.flowOverrideReason})`;
      return `bug ${bug.id} confirmed: ${orDash(bug.fixFlow)}${bug.flowReason ? ` (${bug.flowReason})` : ''}`;
    case 'pending_prod':
      return `bug ${bug.id} approved: pending_prod; T2 deploys it to PROD at ${orDash(bug.runsAtLocal)}`;
    case 'pending_uat_merge':
      return `bug ${bug.id} approved: pending_uat_merge; T2 merges it into UAT at ${orDash(bug.runsAtLocal)}`;
    default:
      return `bug ${bug.id} is now ${bug.status}`;
  }
}

/** One line per id of a batch approval. */
export function formatBatchResults(results: readonly BatchResult[]): string[] {
  return formatTable(
    results.map((r) => [
      `bug ${r.id}`,
      r.ok ? 'ok' : 'error',
      r.ok && r.bug ? `${r.bug.status}, T2 runs it at ${orDash(r.bug.runsAtLocal)}` : `${r.error?.message ?? 'failed'} (${r.error?.code ?? 'unknown'})`,
    ]),
  );
}

function flowCell(bug: Bug): string {
  if (bug.fixFlow) return bug.fixFlow;
  return bug.flowHold ? 'waiting' : '-';
}
