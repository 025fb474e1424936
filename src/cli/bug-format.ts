/**
 * How bugs read on a terminal: the list table, the detail view with its fix, analysis, conflict
 * and history, and the one-line outcome of each action. Pure.
 */
import type { BugSummary } from '../features/bugs/bug-view.ts';
import type { BatchResult, Bug, BugWithHistory } from './api-types.ts';
import { formatInstant, formatTable, indent, orDash, shortCommit, truncate } from './table.ts';

const TITLE_WIDTH = 60;
const MESSAGE_WIDTH = 200;
/** Files listed before "and N more". */
const LIST_MAX = 12;

export function formatBugList(bugs: readonly BugSummary[]): string[] {
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
  fields.push(['reporter', bug.reporter], ['fix by', orDash(bug.fixAttachedBy)], ['release', bug.releaseId === null ? '-' : String(bug.releaseId)]);
  if (bug.runsAtLocal) fields.push(['runs at', bug.runsAtLocal]);
  fields.push(['version', String(bug.version)], ['created', formatInstant(bug.createdAt)], ['updated', formatInstant(bug.updatedAt)]);

  const lines = [`bug ${bug.id}: ${bug.title}`, ...formatTable(fields.map(([k, v]) => [k, v]))];
  if (bug.description.trim()) lines.push('', 'description', ...bug.description.trimEnd().split('\n').map((l) => `  ${l}`));
  if (bug.fixRefs.length > 0) {
    const refs = bug.fixRefs.map((f) => [f.kind, f.ref, shortCommit(f.commit), `by ${f.attachedBy}`, formatInstant(f.at)]);
    lines.push('', 'fix', ...indent(formatTable(refs)));
  }
  if (bug.analysis) lines.push('', 'analysis', ...indent(formatTable(analysisRows(bug.analysis))));
  if (bug.validationSteps.length > 0) lines.push('', 'validate before approving', ...indent(formatValidationSteps(bug.validationSteps)));
  if (bug.conflict) {
    const c = bug.conflict;
    const rows = [
      ['commit', `${shortCommit(c.commit)}${c.release ? ` onto ${c.release}` : ''}, ${formatInstant(c.at)}`],
      ['files', c.files.length ? c.files.join(', ') : '-'],
      ['message', truncate(c.message, MESSAGE_WIDTH)],
    ];
    lines.push('', 'conflict', ...indent(formatTable(rows)));
  }
  lines.push('', 'history');
  const history = bug.history.map((h) => [
    formatInstant(h.at),
    h.action,
    `${h.from ?? ''} → ${h.to}`.trim(),
    `by ${h.actor}${h.reason ? `: ${h.reason}` : ''}`,
  ]);
  lines.push(...indent(formatTable(history)));
  return lines;
}

/** The fix just attached (the last of the bug's fix refs), in one line. */
export function describeAttachedFix(bug: Bug): string {
  const ref = bug.fixRefs.at(-1);
  if (!ref) return `bug ${bug.id} has no fix attached`;
  const what = ref.kind === 'commit' ? `commit ${shortCommit(ref.commit)}` : `${ref.kind} ${ref.ref} (at ${shortCommit(ref.commit)})`;
  const all = bug.fixRefs.length > 1 ? `; ${bug.fixRefs.length} fixes attached in all` : '';
  return `bug ${bug.id} (${bug.status}): fix attached: ${what}${all}`;
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

/**
 * The analyzer's findings as label/value rows. The API types analysis as an open record (an
 * analysis recorded before a field existed lacks it), so each field is read only when it has the
 * expected shape.
 */
export function analysisRows(analysis: Record<string, unknown>): string[][] {
  const rows: string[][] = [];
  const { source, model, fallback, rootCause, fixPlan, risk, note, riskReasons, migrationInvolved, files, linesAdded, linesRemoved, migrations } = analysis;
  if (source === 'model' && typeof model === 'string') rows.push(['by', model]);
  else if (source === 'builtin') rows.push(['by', 'the built-in analysis']);
  if (typeof fallback === 'string' && fallback) rows.push(['fallback', truncate(fallback, MESSAGE_WIDTH * 2)]);
  if (typeof risk === 'string') rows.push(['risk', `${risk}${typeof note === 'string' && note ? `: ${note}` : ''}`]);
  const reasons = stringList(riskReasons)?.filter((r) => r !== note);
  if (reasons && reasons.length) rows.push(['why', reasons.join('; ')]);
  if (typeof rootCause === 'string' && rootCause) rows.push(['root cause', truncate(rootCause, MESSAGE_WIDTH * 2)]);
  if (typeof fixPlan === 'string' && fixPlan) rows.push(['fix plan', truncate(fixPlan, MESSAGE_WIDTH * 2)]);
  if (typeof migrationInvolved === 'boolean') rows.push(['migration', migrationInvolved ? 'yes' : 'no']);
  const names = stringList(files);
  if (names) rows.push(['files', names.length ? listWithMore(names) : '-']);
  if (typeof linesAdded === 'number' && typeof linesRemoved === 'number') rows.push(['lines', `+${linesAdded} -${linesRemoved}`]);
  const migrationFiles = stringList(migrations);
  if (migrationFiles && migrationFiles.length) rows.push(['migrations', listWithMore(migrationFiles)]);
  return rows.length ? rows : [['-', 'nothing recorded']];
}

/** "UAT  Apply the code …", one line per step, numbered. */
export function formatValidationSteps(steps: readonly { env: string; check: string }[]): string[] {
  return formatTable(steps.map((s, i) => [`${i + 1}.`, s.env.toUpperCase(), s.check]));
}

function stringList(value: unknown): string[] | null {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;
}

function listWithMore(items: readonly string[]): string {
  return items.length <= LIST_MAX ? items.join(', ') : `${items.slice(0, LIST_MAX).join(', ')} and ${items.length - LIST_MAX} more`;
}

function flowCell(bug: BugSummary): string {
  if (bug.fixFlow) return bug.fixFlow;
  return bug.flowHold ? 'waiting' : '-';
}
