/**
 * Rollback as rules (DESIGN.md decision 10, SEED.md "Rollback Procedure"): impact classes and
 * what each does, which files count as migrations, the verdict of the validation, SEED.md's
 * rollback checklist item by item, and the HISTORY entry as Markdown. Pure: no I/O, no clock.
 */
import picomatch from 'picomatch';
import type { BugStatus } from '../bugs/bug-statuses.ts';
import type { SmokeReport } from '../smoke/smoke-rules.ts';

export const ROLLBACK_IMPACTS = ['ux', 'regression', 'data-corruption'] as const;
/** SEED.md's "When to Rollback": minor UX glitch, functional regression, data corruption risk. */
export type RollbackImpact = (typeof ROLLBACK_IMPACTS)[number];

export const IMPACT_ACTION: Record<RollbackImpact, { rollsBack: boolean; escalates: boolean; meaning: string }> = {
  ux: { rollsBack: false, escalates: false, meaning: 'minor UX glitch: monitor, and schedule the fix in the next pipeline (no rollback)' },
  regression: { rollsBack: true, escalates: false, meaning: 'functional regression: roll back now' },
  'data-corruption': { rollsBack: true, escalates: true, meaning: 'data corruption risk: roll back, escalate and engage the DBA' },
};

export const ROLLBACK_STATUSES = ['followup', 'running', 'validating', 'stable', 'escalated', 'failed', 'interrupted'] as const;
/**
 * followup: impact ux, nothing rolled back; running: executing; validating: executed, smoke and
 * the watch window decide; stable / escalated: validated; failed: the rollback itself failed;
 * interrupted: the process carrying it out stopped before it was over (decision record 0024).
 */
export type RollbackStatus = (typeof ROLLBACK_STATUSES)[number];

export const ROLLBACK_TRIGGERS = ['manual', 'smoke', 'monitoring'] as const;
export type RollbackTrigger = (typeof ROLLBACK_TRIGGERS)[number];

export type MonitorBreach = { metric: string; value: number; threshold: number; action: string; at: string };
/** The monitoring feature's verdict on a watch window (src/features/monitoring). */
export type MonitorVerdict = { outcome: 'clean' | 'rollback' | 'alert' | 'unavailable'; breaches: MonitorBreach[]; samples: number };

export type RollbackBug = { id: number; from: BugStatus; to: BugStatus | null; result: 'reverted' | 'left'; reason: string | null };

export type MigrationRecord = { needed: boolean; files: string[]; command: string[] | null; ok: boolean | null; output: string[]; detail: string };

export type Validation = { verdict: 'stable' | 'escalate'; detail: string; monitoring: MonitorVerdict | null };

export type RollbackRecord = {
  id: number;
  system: string;
  env: 'uat' | 'prod';
  status: RollbackStatus;
  impact: RollbackImpact;
  trigger: RollbackTrigger;
  reason: string;
  by: string;
  /** What was deployed, and when: the deployment rolled back. */
  deployed: { deploymentId: number | null; releaseId: number | null; version: string | null; commit: string | null; at: string | null };
  /** Where the environment went back to. */
  target: { releaseId: number | null; version: string | null; commit: string | null };
  rollbackDeploymentId: number | null;
  scope: string[];
  migration: MigrationRecord | null;
  bugs: RollbackBug[];
  smoke: SmokeReport | null;
  validation: Validation | null;
  detail: string | null;
  rootCause: string | null;
  fixPlan: string | null;
  notified: boolean;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
};

export type ChecklistItem = { item: string; done: boolean; detail: string };

/** The deploy back went through and the bugs returned, announced in the same transaction (status validating). */
const executed = (r: RollbackRecord) => r.rollbackDeploymentId !== null && r.notified && r.status !== 'followup' && r.status !== 'failed';

/** SEED.md's Rollback Checklist, each item done or not, with what shows it. */
export function rollbackChecklist(r: RollbackRecord): ChecklistItem[] {
  const noRollback = r.status === 'followup' ? 'no rollback (impact ux): follow-up planned' : null;
  const left = r.bugs.filter((b) => b.result === 'left');
  const smoke = r.smoke;
  return [
    {
      item: 'Previous working commit/tag identified (git log)',
      done: r.target.commit !== null,
      detail: r.target.commit ? `${r.target.version ?? '(no version)'} at ${r.target.commit.slice(0, 10)}` : (noRollback ?? 'no target identified'),
    },
    {
      item: 'Rollback scope defined (frontend / backend / both / DB)',
      done: r.scope.length > 0,
      detail: r.scope.length > 0 ? r.scope.join(', ') : (noRollback ?? 'not defined'),
    },
    {
      item: 'Affected bug statuses reverted in system',
      done: executed(r) && left.length === 0,
      detail:
        noRollback ??
        (r.bugs.length === 0
          ? 'no bug was moved by the rolled-back deployment'
          : r.bugs.map((b) => (b.result === 'reverted' ? `#${b.id} ${b.from} → ${b.to}` : `#${b.id} left ${b.from}: ${b.reason}`)).join('; ')),
    },
    {
      item: 'Smoke test completed after rollback',
      done: smoke !== null && smoke.ok,
      detail: smoke
        ? smoke.ok
          ? `passed ${smoke.steps.length}/${smoke.steps.length} steps`
          : `failed at step "${smoke.failedStep}"`
        : (noRollback ??
          (r.status === 'interrupted' ? 'not run: the rollback was interrupted before its validation' : executed(r) ? 'no smoke steps are configured (systems[].smoke)' : 'not run')),
    },
    { item: 'Root cause of regression documented', done: Boolean(r.rootCause), detail: r.rootCause ?? 'not documented yet (PATCH rootCause)' },
    { item: 'Team + stakeholders notified', done: r.notified, detail: r.notified ? 'announced through the outbox' : 'not yet' },
    { item: 'Fix plan for the reverted change recorded', done: Boolean(r.fixPlan), detail: r.fixPlan ?? 'not recorded yet (PATCH fixPlan)' },
  ];
}

/**
 * What a rollback cut short by its process stopping had done and had not, read from its record
 * (the process that knew more is gone), and what people should do next (decision record 0024).
 * `unknown`: the deployments it left in an unknown state.
 */
export function interruptedRollback(r: RollbackRecord, unknown: readonly number[]): { done: string[]; notDone: string[]; nextStep: string } {
  const from = r.deployed.version ?? r.deployed.commit?.slice(0, 10) ?? 'what it ran';
  const to = r.target.version ?? r.target.commit?.slice(0, 10) ?? 'the previous release';
  const done: string[] = [];
  const notDone: string[] = [];
  if (r.migration) done.push(`down migration: ${r.migration.detail}`);
  if (r.rollbackDeploymentId !== null) done.push(`${r.env} deployed back to ${to} (deployment ${r.rollbackDeploymentId})`);
  else {
    const which = unknown.length > 0 ? ` (deployment ${unknown.join(', ')}: unknown)` : '';
    notDone.push(`the deploy of ${to} to ${r.env} did not finish${which}: ${r.env} may run ${from}, ${to}, or part of each`);
  }
  if (executed(r)) {
    done.push(
      r.bugs.length === 0
        ? 'no bug had to return to an earlier status'
        : `bugs returned: ${r.bugs.map((b) => (b.result === 'reverted' ? `#${b.id} ${b.from} → ${b.to}` : `#${b.id} left ${b.from}`)).join('; ')}`,
      'announced (rollback.executed)',
    );
  } else notDone.push(`the bugs ${from} had moved were not returned to their earlier status`);
  notDone.push(`the validation (smoke steps and the watch window) did not finish: whether ${r.env} is stable on ${to} is not known`);
  const nextStep =
    r.rollbackDeploymentId === null
      ? `check what ${r.env} runs and record it (tonic env record --env ${r.env}); then roll back again if it still runs ${from}`
      : executed(r)
        ? `validate ${r.env} by hand now (its smoke steps and metrics); then record the root cause and fix plan (tonic rollbacks document ${r.id})`
        : `${r.env} runs ${to} again: return the bugs ${from} had moved by hand (their history shows where each was), then validate ${r.env}`;
  return { done, notDone, nextStep };
}

/** After a rollback: stable when smoke passed (or none is configured) and monitoring saw no rollback-level breach. */
export function validationVerdict(smoke: SmokeReport | null, monitoring: MonitorVerdict | null): Validation {
  const parts: string[] = [];
  let stable = true;
  if (smoke === null) parts.push('no smoke steps configured');
  else if (smoke.ok) parts.push(`smoke passed ${smoke.steps.length}/${smoke.steps.length}`);
  else {
    stable = false;
    const step = smoke.steps.find((s) => s.result === 'fail');
    parts.push(`smoke failed at "${smoke.failedStep}": expected ${step?.expected}, got ${step?.actual}`);
  }
  if (monitoring) {
    if (monitoring.outcome === 'rollback') {
      stable = false;
      parts.push(`monitoring: ${monitoring.breaches.map((b) => `${b.metric} ${b.value} breached ${b.threshold}`).join(', ')}`);
    } else parts.push(`monitoring ${monitoring.outcome} over ${monitoring.samples} samples`);
  }
  return { verdict: stable ? 'stable' : 'escalate', detail: parts.join('; '), monitoring };
}

// ---- Migration paths -------------------------------------------------------------------------

/** The changed files that match a migration glob (`**` any folders, `*` within a name). */
export function migrationFiles(changed: readonly string[], globs: readonly string[]): string[] {
  return changed.filter((f) => picomatch.isMatch(f, [...globs], { dot: true }));
}

// ---- HISTORY as Markdown ---------------------------------------------------------------------

const inline = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/**
 * The system's HISTORY (SEED.md: "document in HISTORY"): every rollback, newest first, with what
 * was deployed and when, what broke, root cause, fix plan, who, impact and the checklist.
 * `local` renders an instant in the system's time zone.
 */
export function historyMarkdown(system: string, records: readonly RollbackRecord[], local: (iso: string) => string): string {
  const lines = [`# Rollback history: ${system}`, ''];
  if (records.length === 0) lines.push('No rollback has been recorded.', '');
  for (const r of records) {
    const arrow = r.status === 'followup' ? 'follow-up, not rolled back' : `${r.deployed.version ?? '(unknown)'} → ${r.target.version ?? '(unknown)'}`;
    lines.push(`## Rollback ${r.id}: ${r.env}, ${arrow} (${r.status})`, '');
    lines.push(
      `- **When**: ${local(r.createdAt)}`,
      `- **What was deployed**: ${r.deployed.version ?? '(unknown)'}${r.deployed.commit ? ` (${r.deployed.commit.slice(0, 10)})` : ''}${r.deployed.at ? `, deployed ${local(r.deployed.at)}` : ''}${r.deployed.deploymentId ? ` (deployment ${r.deployed.deploymentId})` : ''}`,
      `- **What broke**: ${inline(r.reason)}`,
      `- **Impact**: ${r.impact}: ${IMPACT_ACTION[r.impact].meaning}`,
      `- **Who**: ${r.by}${r.trigger === 'manual' ? '' : ` (automatic, after ${r.trigger === 'smoke' ? 'a failed smoke test' : 'a monitoring breach'})`}`,
      `- **Root cause**: ${r.rootCause ? inline(r.rootCause) : '_not documented yet_'}`,
      `- **Fix plan**: ${r.fixPlan ? inline(r.fixPlan) : '_not recorded yet_'}`,
    );
    if (r.status !== 'followup') {
      lines.push(`- **Rolled back to**: ${r.target.version ?? '(unknown)'}${r.target.commit ? ` (${r.target.commit.slice(0, 10)})` : ''}${r.rollbackDeploymentId ? ` (deployment ${r.rollbackDeploymentId})` : ''}`);
      if (r.migration) lines.push(`- **Down migration**: ${inline(r.migration.detail)}`);
      lines.push(`- **Bugs**: ${r.bugs.length === 0 ? 'none moved by that deployment' : r.bugs.map((b) => (b.result === 'reverted' ? `#${b.id} ${b.from} → ${b.to}` : `#${b.id} left ${b.from}`)).join('; ')}`);
      if (r.validation) lines.push(`- **Validation**: ${r.validation.verdict}: ${inline(r.validation.detail)}`);
    }
    if (r.detail) lines.push(`- **Notes**: ${inline(r.detail)}`);
    lines.push('', 'Checklist:', '');
    for (const c of rollbackChecklist(r)) lines.push(`- [${c.done ? 'x' : ' '}] ${c.item}: ${inline(c.detail)}`);
    lines.push('');
  }
  return lines.join('\n');
}
