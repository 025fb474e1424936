/**
 * How a pre-deploy checklist reads on a terminal: the verdict, one row per probe with its result,
 * mode and evidence, what was not checked, and the on-call acknowledgement. Pure.
 */
import { PROBE_TITLES } from '../features/checklists/checklist-rules.ts';
import type { Checklist } from './api-types.ts';
import { formatInstant, formatTable, indent } from './table.ts';

const VERDICT_WORDS = { pass: 'PASS', warn: 'PASS WITH WARNINGS', blocked: 'BLOCKED: the deploy would not go ahead' } as const;

/** The items as a table: PROBE RESULT MODE EVIDENCE. */
export function formatChecklistItems(items: Checklist['items']): string[] {
  if (items.length === 0) return ['no probe ran'];
  const rows = items.map((i) => [i.probe, i.result, i.mode, i.evidence.detail]);
  return formatTable([['PROBE', 'RESULT', 'MODE', 'EVIDENCE'], ...rows]);
}

export function formatChecklist(c: Checklist): string[] {
  const verdict = c.verdict ? VERDICT_WORDS[c.verdict] : 'still running';
  const lines = [
    `checklist ${c.id} for ${c.env.toUpperCase()}, guarding ${c.slot.toUpperCase()} at ${formatInstant(c.slotAt)}: ${verdict}`,
    ...formatTable([
      ['trigger', c.runId ? `run ${c.runId}` : c.trigger === 'precheck' ? 'early check before T1' : `${c.trigger}, by ${c.requestedBy}`],
      ['checked', formatInstant(c.finishedAt ?? c.startedAt)],
    ]),
    '',
    ...indent(formatChecklistItems(c.items)),
  ];
  if (c.notChecked.length > 0) lines.push('', `not checked (not configured for ${c.env}): ${c.notChecked.map((p) => `${p} (${PROBE_TITLES[p]})`).join(', ')}`);
  if (c.ack) {
    const a = c.ack;
    const state = a.acknowledgedAt ? `acknowledged by ${a.acknowledgedBy} at ${formatInstant(a.acknowledgedAt)}` : `not yet: ${a.username} runs \`tonic checks ack ${c.id}\``;
    lines.push('', `on-call: asked ${a.person} (${a.channels.join(', ')}) at ${formatInstant(a.requestedAt)} to acknowledge by ${formatInstant(a.deadline)}: ${state}`);
  }
  return lines;
}

export function formatChecklistList(items: readonly Checklist[]): string[] {
  if (items.length === 0) return ['no checklists yet'];
  const rows = items.map((c) => {
    const counts = (['fail', 'warn', 'pass'] as const).map((r) => [r, c.items.filter((i) => i.result === r).length] as const).filter(([, n]) => n > 0);
    return [String(c.id), c.env, c.slot, formatInstant(c.slotAt), c.runId ? `run ${c.runId}` : c.trigger, c.verdict ?? 'running', counts.map(([r, n]) => `${n} ${r}`).join(', ') || '-'];
  });
  return formatTable([['ID', 'ENV', 'SLOT', 'GUARDS', 'TRIGGER', 'VERDICT', 'ITEMS'], ...rows]);
}
