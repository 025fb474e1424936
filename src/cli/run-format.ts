/**
 * How the plan and T1/T2 runs read on a terminal: the plan bug by bug, a run's steps and what it
 * did with each bug, and the runs table. Pure.
 */
import type { RunSlot } from '../features/runs/run-store.ts';
import { describePlan } from '../features/services/service-rules.ts';
import type { Plan, PlanSlot, Run } from './api-types.ts';
import { formatChecklistItems } from './checklist-format.ts';
import { formatClock, formatInstant, formatTable, indent, orDash, truncate } from './table.ts';

const TITLE_WIDTH = 40;

/** The version check, then each slot's bugs with the action the run will take and why. */
export function formatPlan(plan: Plan, slots: readonly RunSlot[] = ['t1', 't2']): string[] {
  const lines = [`version check: ${plan.versionCheck.reason}`];
  if (plan.versionCheck.warning) lines.push(`warning: ${plan.versionCheck.warning}`);
  for (const slot of slots) lines.push('', ...formatPlanSlot(slot, plan[slot]));
  const deploys = (plan.deploys ?? []).filter((d) => slots.includes(d.slot));
  if (deploys.length > 0) {
    lines.push('', 'deploys, service by service');
    for (const d of deploys) lines.push(`  ${d.what}: ${describePlan(d)}`, `    ${d.why}`);
  }
  return lines;
}

function formatPlanSlot(slot: RunSlot, planned: PlanSlot): string[] {
  const heading = `${slot.toUpperCase()} at ${planned.atLocal}`;
  const freeze = planned.freeze ? [`  ${planned.freeze.full ? 'skipped' : 'frozen modules left out'}: ${planned.freeze.detail}`] : [];
  if (planned.bugs.length === 0) return [heading, ...freeze, '  nothing to do'];
  const rows = planned.bugs.map((b) => [String(b.id), b.action, truncate(b.title, TITLE_WIDTH), orDash(b.reason)]);
  return [heading, ...freeze, ...indent(formatTable([['ID', 'ACTION', 'TITLE', 'REASON'], ...rows]))];
}

export function formatRunDetail(run: Run): string[] {
  const fields: [string, string][] = [
    ['system', run.system],
    ['trigger', run.trigger],
    ['scheduled', formatInstant(run.scheduledFor)],
    ['started', formatInstant(run.startedAt)],
    ['finished', formatInstant(run.finishedAt)],
    ['claimed by', run.claimedBy],
  ];
  if (run.error) fields.push(['error', run.error]);
  if (run.report.freeze) fields.push([run.report.freeze.full ? 'skipped by' : 'frozen', run.report.freeze.detail]);
  if (run.report.skipped) fields.push(['skipped', `${run.report.skipped.reason}: ${run.report.skipped.detail}`]);
  const lines = [`run ${run.id}: ${run.slot.toUpperCase()} ${run.status}`, ...formatTable(fields)];
  const { steps, bugs, releases, checklist, interrupted } = run.report;
  if (interrupted) {
    lines.push('', 'interrupted: done before it stopped', ...(interrupted.done.length > 0 ? interrupted.done.map((d) => `  ${d}`) : ['  nothing recorded']));
    lines.push('not done', ...interrupted.notDone.map((d) => `  ${d}`));
  }
  if (checklist) {
    lines.push('', `pre-deploy checklist ${checklist.id} (${checklist.env}): ${checklist.verdict}`, ...indent(formatChecklistItems(checklist.items)));
  }
  if (steps.length > 0) lines.push('', 'steps (UTC)', ...indent(formatTable(steps.map((s) => [formatClock(s.at), s.message]))));
  lines.push('', 'bugs');
  if (bugs.length === 0) lines.push('  none');
  else lines.push(...indent(formatTable(bugs.map((b) => [`#${b.id}`, b.outcome, b.reason ?? '']))));
  if (releases.length > 0) {
    lines.push('', 'releases', ...indent(formatTable(releases.map((r) => [`release ${r.id}`, r.version, r.env, deployedLabel(r.deployed), r.services ? describePlan(r.services) : '']))));
  }
  return lines;
}

export function formatRunList(runs: readonly Run[]): string[] {
  if (runs.length === 0) return ['no runs yet'];
  const rows = runs.map((r) => [
    String(r.id),
    r.slot,
    r.status,
    r.trigger,
    formatInstant(r.scheduledFor),
    formatInstant(r.finishedAt),
    bugSummary(r),
    r.report.releases.map((rel) => `${rel.version} ${rel.env} (${deployedLabel(rel.deployed)})`).join(', ') || '-',
  ]);
  return formatTable([['ID', 'SLOT', 'STATUS', 'TRIGGER', 'SCHEDULED', 'FINISHED', 'BUGS', 'RELEASES'], ...rows]);
}

/** "2 deployed_uat, 1 skipped": how many bugs ended each way. */
function bugSummary(run: Run): string {
  const counts = new Map<string, number>();
  for (const b of run.report.bugs) counts.set(b.outcome, (counts.get(b.outcome) ?? 0) + 1);
  return [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ') || '-';
}

/** A release in a run's report: deployed, its deploy failed, or built only (a Flow 2 release waits for T2). */
function deployedLabel(deployed: boolean | null): string {
  if (deployed === null) return 'built';
  return deployed ? 'deployed' : 'deploy failed';
}
