/**
 * How emergency hotfixes read on a terminal: the list, and one incident with its SLA, checklist,
 * approvals, deploy, UAT follow-up and what a deploy to PROD needs now. Pure.
 */
import type { Hotfix, HotfixListItem } from './api-types.ts';
import { formatInstant, formatTable, indent, orDash, shortCommit, truncate } from './table.ts';

export function formatHotfixList(items: readonly HotfixListItem[]): string[] {
  if (items.length === 0) return ['no emergency hotfixes'];
  const rows = items.map((h) => [
    String(h.id),
    h.priority,
    h.status,
    `#${h.bugId}`,
    formatInstant(h.slaDueAt),
    h.uatFollowUp ? `${h.uatFollowUp.mode.replace('_', '-')} ${h.uatFollowUp.status}` : '-',
    truncate(h.title, 60),
  ]);
  return formatTable([['ID', 'PRIORITY', 'STATUS', 'BUG', 'SLA DUE', 'UAT', 'TITLE'], ...rows]);
}

export function formatHotfixDetail(h: Hotfix): string[] {
  const sla = h.slaStoppedAt ? `${h.slaDueAtLocal} (clock stopped ${formatInstant(h.slaStoppedAt)})` : `${h.slaDueAtLocal}${h.slaWarned ? ` (${h.slaWarned} % warning sent)` : ''}`;
  const fields: [string, string][] = [
    ['bug', `#${h.bug.id} [${h.bug.severity}] ${h.bug.status}${h.bug.module ? `, module ${h.bug.module}` : ''}`],
    ['status', h.status],
    ['priority', h.priority],
    ['opened', `${formatInstant(h.openedAt)} by ${h.openedBy}`],
    ['SLA due', sla],
    ['branch', h.branch ?? `- (${orDash(h.branchNote)})`],
    ['fix', h.bug.fixRefs.map((f) => `${f.kind} ${f.ref === f.commit ? shortCommit(f.commit) : `${f.ref} (${shortCommit(f.commit)})`}`).join(', ') || '- (attach it: tonic bugs attach-fix)'],
    ['review due', h.reviewDueAtLocal ? `${h.reviewDueAtLocal}${h.review.heldAt ? `, held ${formatInstant(h.review.heldAt)}` : ''}` : '-'],
  ];
  if (h.deploy) {
    const what = h.deploy.version ? `${h.deploy.version} (${shortCommit(h.deploy.commit)})` : shortCommit(h.deploy.commit);
    fields.push(['deployed', `${what} to PROD ${h.deploy.mode === 'driver' ? 'by its driver' : 'by hand'}, ${formatInstant(h.deploy.at)} by ${h.deploy.by}`]);
  }
  if (h.uatFollowUp) {
    const f = h.uatFollowUp;
    const outcome = f.status === 'done' ? `: ${orDash(f.version ?? shortCommit(f.commit))}${f.byHand ? ' (by hand)' : ''}` : f.error ? `: ${f.error}` : '';
    fields.push(['UAT follow-up', `${f.mode.replace('_', '-')} ${f.status}${outcome}`]);
  }
  if (h.closedAt) fields.push(['closed', `${formatInstant(h.closedAt)} by ${orDash(h.closedBy)}`]);
  const lines = [`hotfix ${h.id}: ${h.title}`, ...formatTable(fields)];

  if (h.status === 'open') {
    lines.push('', 'to deploy to PROD');
    const needs = [
      h.gate.teamNotified ? 'team notified: yes' : 'team notified: no (tonic hotfix notify)',
      h.gate.freeze.frozen ? `freeze: ${h.gate.freeze.why}` : 'freeze: none',
      `approvals: ${h.gate.approval.ok ? 'enough' : 'missing'} (${h.gate.approval.reason})`,
    ];
    lines.push(...indent(needs));
  }

  lines.push('', 'checklist');
  lines.push(
    ...indent(
      formatTable(h.checklist.map((c) => [c.done ? '[x]' : '[ ]', c.item, c.done ? `${formatInstant(c.at)} ${c.bySystem ? 'by the system' : `by ${orDash(c.by)}`}` : '', c.note ? truncate(c.note, 70) : ''])),
    ),
  );
  if (h.approvals.length > 0) {
    lines.push('', 'approvals');
    lines.push(...indent(formatTable(h.approvals.map((a) => [a.approver, a.roles.join(', '), formatInstant(a.at), orDash(a.note)]))));
  }
  if (h.note) lines.push('', 'post-incident note', ...indent([`root cause: ${h.note.rootCause}`, `fix: ${h.note.fixSummary}`, `by ${h.note.by}, ${formatInstant(h.note.at)}`]));
  return lines;
}
