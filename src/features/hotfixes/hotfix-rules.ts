/**
 * The emergency hotfix policy (SEED.md "Emergency Hotfix (Bypass Pipeline)", DESIGN.md decision 7),
 * on one screen: pure, no I/O, no clock (instants are parameters).
 *
 * A high or critical bug never enters the pipeline. An incident opens with a priority from its
 * severity and an SLA clock; SEED.md's nine-item checklist is ticked by people (with the time) or
 * by the system when it did the item itself; the deploy waits until someone else was told; in a
 * freeze it needs the two-person rule, and in the Lunar New Year freeze only P1 goes, signed off by
 * a cto. The post-incident note is required before the incident closes.
 */
import { DomainError } from '../../shared/errors.ts';
import type { Severity } from '../bugs/bug-statuses.ts';
import type { VersionRelation } from '../environments/flow-rules.ts';
import type { Role } from '../identity/roles.ts';

export const PRIORITIES = ['P1', 'P2'] as const;
export type Priority = (typeof PRIORITIES)[number];

/**
 * open: being fixed; deploying: a deploy to PROD is under way (one at a time); deployed: PROD runs
 * the fix; closed: the post-incident note is written and the incident is over.
 */
export const HOTFIX_STATUSES = ['open', 'deploying', 'deployed', 'closed'] as const;
export type HotfixStatus = (typeof HOTFIX_STATUSES)[number];

/** Per system, configuration section `hotfix`. */
export type HotfixPolicy = {
  /** Priority by severity (only the severities the pipeline refuses are ever hotfixes). */
  priorities: Record<Severity, Priority>;
  /** Time to have the fix deployed and validated, by priority. */
  slaMinutes: Record<Priority, number>;
  /** An incident review is scheduled within this many hours of opening, for these priorities. */
  reviewWithinHours: Partial<Record<Priority, number>>;
};

/** SEED.md: "P1: 1 hour, P2: 4 hours"; "Incident review scheduled (within 48h for P1)". */
export const DEFAULT_HOTFIX_POLICY: HotfixPolicy = {
  priorities: { low: 'P2', medium: 'P2', high: 'P2', critical: 'P1' },
  slaMinutes: { P1: 60, P2: 240 },
  reviewWithinHours: { P1: 48 },
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

// ---- Opening ---------------------------------------------------------------------------------

/** SEED.md's Severity Rules, the other way round: a bug the pipeline takes is no emergency. */
export function assertHotfixSeverity(bug: { id: number; severity: Severity }, pipelineSeverities: readonly Severity[]): void {
  if (pipelineSeverities.includes(bug.severity)) {
    throw new DomainError(
      'severity_requires_pipeline',
      `bug ${bug.id} is ${bug.severity}: this system's nightly pipeline takes ${pipelineSeverities.join(' and ')} bugs, so it is no emergency. ` +
        'Confirm it into the pipeline instead; an emergency hotfix is for the severities the pipeline refuses (high and critical by default).',
      { severity: bug.severity, pipelineSeverities },
    );
  }
}

export function priorityOf(severity: Severity, policy: HotfixPolicy): Priority {
  return policy.priorities[severity];
}

export function slaDueAt(openedAt: Date, priority: Priority, policy: HotfixPolicy): Date {
  return new Date(openedAt.getTime() + policy.slaMinutes[priority] * MINUTE);
}

/** When the incident review is due, or null when this priority needs none. */
export function reviewDueAt(openedAt: Date, priority: Priority, policy: HotfixPolicy): Date | null {
  const hours = policy.reviewWithinHours[priority];
  return hours === undefined ? null : new Date(openedAt.getTime() + hours * HOUR);
}

/** The hotfix branch, made from PROD's commit: one per incident. */
export function hotfixBranchName(incidentId: number, bugId: number): string {
  return `hotfix/${incidentId}-bug-${bugId}`;
}

// ---- The SLA clock ---------------------------------------------------------------------------

export const SLA_WARNING_PERCENTS = [50, 100] as const;
export type SlaWarningPercent = (typeof SLA_WARNING_PERCENTS)[number];

/** The instants at which the SLA warnings fall due: half the SLA, and the whole of it. */
export function slaWarningInstants(openedAt: Date, dueAt: Date): Record<SlaWarningPercent, Date> {
  const span = dueAt.getTime() - openedAt.getTime();
  return { 50: new Date(openedAt.getTime() + span / 2), 100: dueAt };
}

/**
 * The SLA warnings to send now: those due by `now` and above the highest already sent, while the
 * clock runs (it stops when the fix is deployed and validated, or the incident closes). A check
 * that comes late sends both at once, 50 first: the escalation still reads in order.
 */
export function slaWarningsDue(
  incident: { openedAt: Date; slaDueAt: Date; slaWarned: number; slaStoppedAt: Date | null },
  now: Date,
): SlaWarningPercent[] {
  if (incident.slaStoppedAt) return [];
  const instants = slaWarningInstants(incident.openedAt, incident.slaDueAt);
  return SLA_WARNING_PERCENTS.filter((p) => p > incident.slaWarned && instants[p].getTime() <= now.getTime());
}

/** The incident review reminder is sent once, when due, unless the review was held. */
export function reviewReminderDue(incident: { reviewDueAt: Date | null; reviewRemindedAt: Date | null; reviewHeldAt: Date | null }, now: Date): boolean {
  return incident.reviewDueAt !== null && !incident.reviewRemindedAt && !incident.reviewHeldAt && incident.reviewDueAt.getTime() <= now.getTime();
}

/** Minutes past the SLA (negative: minutes to spare). */
export function minutesPastSla(slaDueAt: Date, at: Date): number {
  return Math.round((at.getTime() - slaDueAt.getTime()) / MINUTE);
}

// ---- The checklist ---------------------------------------------------------------------------

/**
 * SEED.md's "Checklist for Emergency Hotfix", in its order. `person`: a person may tick it (with
 * the time); otherwise only the action that does it ticks it (the system notifies the team, updates
 * the bug's status, records the post-incident note).
 */
export const CHECKLIST = [
  { item: 'severity_confirmed', text: 'Severity confirmed as critical/high before bypassing pipeline', person: false, doneBy: 'opening the incident' },
  { item: 'team_notified', text: 'At least one other team member notified before deploy', person: false, doneBy: 'the notify action (the system sends the notice)' },
  { item: 'deployed_within_sla', text: 'Fix deployed and validated within agreed SLA (e.g. P1: 1 hour, P2: 4 hours)', person: true, doneBy: 'the person who validated PROD' },
  { item: 'smoke_test', text: 'Post-deploy smoke test completed (login, core workflow, affected feature)', person: true, doneBy: 'the smoke run after the deploy, or the person who ran it' },
  { item: 'bug_status_updated', text: 'Bug status updated manually in system', person: false, doneBy: 'the deploy (the bug becomes deployed_prod)' },
  { item: 'stakeholders_notified', text: 'Telegram/Slack notification sent to stakeholders', person: true, doneBy: 'the deploy (the hotfix message is sent), or the person who told them' },
  { item: 'incident_note', text: 'Post-incident note added to bug record (root cause, fix summary)', person: false, doneBy: 'the note action' },
  { item: 'uat_updated', text: 'UAT updated (cherry-pick or re-sync if needed)', person: false, doneBy: 'the UAT follow-up (done by the system, or recorded as done by hand)' },
  { item: 'review_scheduled', text: 'Incident review scheduled (within 48h for P1)', person: true, doneBy: 'opening a P1 incident (the review is dated), or the person who scheduled it' },
] as const;
export type ChecklistItem = (typeof CHECKLIST)[number]['item'];
export const CHECKLIST_ITEMS: readonly ChecklistItem[] = CHECKLIST.map((c) => c.item);

export function isChecklistItem(value: string): value is ChecklistItem {
  return (CHECKLIST_ITEMS as readonly string[]).includes(value);
}

/** A person ticks an item: only those a person may tick, once, and "deployed and validated" only after the deploy. */
export function assertPersonMayTick(incident: { id: number; status: HotfixStatus }, item: ChecklistItem, ticked: readonly ChecklistItem[]): void {
  const entry = CHECKLIST.find((c) => c.item === item)!;
  if (!entry.person) {
    throw new DomainError('invalid_transition', `hotfix ${incident.id}: "${entry.text}" is ticked by ${entry.doneBy}, not by hand`, { item });
  }
  if (ticked.includes(item)) throw new DomainError('conflict', `hotfix ${incident.id}: "${entry.text}" is already ticked`, { item });
  if (incident.status === 'closed') throw new DomainError('invalid_transition', `hotfix ${incident.id} is closed; its checklist is final`, { item });
  if ((item === 'deployed_within_sla' || item === 'smoke_test') && incident.status !== 'deployed') {
    throw new DomainError('invalid_transition', `hotfix ${incident.id} is ${incident.status}: "${entry.text}" can be ticked once the fix is deployed to PROD`, { item });
  }
}

// ---- Freezes and approvals -------------------------------------------------------------------

/** What the freezes feature answers for a system at an instant (DESIGN.md decision 7). */
export type FreezeState = { full: boolean; modules: readonly string[]; lunarNewYear: boolean; sources: readonly unknown[] };

export type FreezeForHotfix = { frozen: boolean; lunarNewYear: boolean; why: string | null };

/** Is this bug's hotfix deployed into a freeze? A module freeze counts for bugs of those modules. */
export function freezeForHotfix(freeze: FreezeState, module: string | null): FreezeForHotfix {
  const labels = freeze.sources
    .map((s) => (s && typeof s === 'object' && 'label' in s && typeof s.label === 'string' ? s.label : null))
    .filter((l): l is string => l !== null);
  const named = labels.length > 0 ? ` (${labels.join('; ')})` : '';
  if (freeze.lunarNewYear) return { frozen: true, lunarNewYear: true, why: `the Lunar New Year freeze is in force${named}` };
  if (freeze.full) return { frozen: true, lunarNewYear: false, why: `a change freeze is in force${named}` };
  if (module !== null && freeze.modules.includes(module)) return { frozen: true, lunarNewYear: false, why: `module ${module} is frozen${named}` };
  return { frozen: false, lunarNewYear: false, why: null };
}

/** Who may approve a hotfix at all: the roles that take part in the two-person rule. */
export const APPROVER_ROLES: readonly Role[] = ['admin', 'manager', 'cto'];

export type HotfixApproval = { approver: string; roles: readonly Role[] };

export function assertMayApprove(incident: { id: number; status: HotfixStatus }, approver: HotfixApproval, approvals: readonly HotfixApproval[]): void {
  if (incident.status !== 'open') {
    throw new DomainError('invalid_transition', `hotfix ${incident.id} is ${incident.status}; approvals are given while it is open, before the deploy`);
  }
  if (!approver.roles.some((r) => APPROVER_ROLES.includes(r))) {
    throw new DomainError('forbidden', `${approver.approver} (${approver.roles.join(', ')}) may not approve a hotfix: it needs ${APPROVER_ROLES.join(', ')}`);
  }
  if (approvals.some((a) => a.approver === approver.approver)) {
    throw new DomainError(
      'duplicate_approval',
      `${approver.approver} has already approved hotfix ${incident.id}: the two-person rule needs two different people; ask another admin, manager or cto`,
    );
  }
}

export type ApprovalVerdict = { ok: true; reason: string } | { ok: false; reason: string };

/**
 * DESIGN.md decision 7: in a freeze, approvals from two different people, one an admin and the
 * other an admin, manager or cto; in the Lunar New Year freeze only P1, with a cto's sign-off.
 * Outside a freeze no approval is needed.
 */
export function approvalVerdict(input: { freeze: FreezeForHotfix; priority: Priority; approvals: readonly HotfixApproval[] }): ApprovalVerdict {
  const { freeze, priority, approvals } = input;
  if (!freeze.frozen) return { ok: true, reason: 'no freeze is in force: no approval is needed' };
  if (freeze.lunarNewYear && priority !== 'P1') {
    return { ok: false, reason: `${freeze.why}: only P1 hotfixes may go, and this one is ${priority}` };
  }
  const has = (a: HotfixApproval, roles: readonly Role[]) => a.roles.some((r) => roles.includes(r));
  const pair = approvals.some((a) => has(a, ['admin']) && approvals.some((b) => b.approver !== a.approver && has(b, APPROVER_ROLES)));
  const given = approvals.length === 0 ? 'none so far' : approvals.map((a) => `${a.approver} (${a.roles.join(', ')})`).join(', ');
  if (!pair) {
    return {
      ok: false,
      reason: `${freeze.why}: a hotfix needs approvals from two different people, one an admin and the other an admin, manager or cto (approved by: ${given})`,
    };
  }
  if (freeze.lunarNewYear && !approvals.some((a) => has(a, ['cto']))) {
    return { ok: false, reason: `${freeze.why}: a P1 hotfix also needs a cto's sign-off (approved by: ${given})` };
  }
  return { ok: true, reason: `${freeze.why}: approved by ${given}` };
}

// ---- The deploy ------------------------------------------------------------------------------

export type HotfixNotice = { people: string[]; by: string; at: string };

/** SEED.md: "At least one other team member notified before deploy". */
export function assertTeamNotified(incident: { id: number }, notices: readonly HotfixNotice[], deployer: string): void {
  const others = notices.flatMap((n) => n.people).filter((p) => p !== deployer);
  if (others.length === 0) {
    const told = notices.length === 0 ? 'nobody has been notified yet' : `only ${deployer} was notified`;
    throw new DomainError(
      'team_not_notified',
      `hotfix ${incident.id} cannot be deployed: ${told}. Notify at least one other team member first (tonic hotfix notify ${incident.id}); the system sends the notice and records it`,
    );
  }
}

/**
 * A deploy may start on an open incident. One marked deploying is being deployed, unless it has
 * been so for longer than any deploy can take (`staleAfterMs`: the server stopped mid-deploy): then
 * a person may deploy again (what PROD runs must be checked first; the deployment log says how far
 * it got).
 */
export function assertDeployable(incident: { id: number; status: HotfixStatus; updatedAt: Date }, now: Date, staleAfterMs: number): void {
  if (incident.status === 'deploying' && now.getTime() - incident.updatedAt.getTime() <= staleAfterMs) {
    throw new DomainError('conflict', `hotfix ${incident.id} is being deployed right now; wait for that deploy to finish`);
  }
  if (incident.status !== 'open' && incident.status !== 'deploying') {
    throw new DomainError('invalid_transition', `hotfix ${incident.id} is ${incident.status}; a deploy to PROD needs it open`);
  }
}

// ---- After the deploy: UAT follow-up, note, close --------------------------------------------

export const UAT_FOLLOW_UP_MODES = ['cherry_pick', 'update'] as const;
export type UatFollowUpMode = (typeof UAT_FOLLOW_UP_MODES)[number];

/** pending: offered, not started; running: under way (one at a time); failed: may be run again. */
export const UAT_FOLLOW_UP_STATUSES = ['pending', 'running', 'done', 'failed'] as const;
export type UatFollowUpStatus = (typeof UAT_FOLLOW_UP_STATUSES)[number];

/**
 * SEED.md: "If UAT is ahead → cherry-pick to UAT branch; if UAT is same version → update UAT as
 * well". `relation` is how UAT's commit relates to the commit PROD ran before the hotfix.
 */
export function uatFollowUpMode(relation: VersionRelation): { mode: UatFollowUpMode; reason: string } {
  switch (relation) {
    case 'uat_ahead':
      return { mode: 'cherry_pick', reason: 'UAT is ahead of PROD: the fix is cherry-picked onto the UAT line, built and deployed to UAT' };
    case 'diverged':
      return { mode: 'cherry_pick', reason: 'UAT and PROD have diverged: the fix is cherry-picked onto what UAT runs, built and deployed to UAT' };
    case 'same':
      return { mode: 'update', reason: "UAT ran the same version as PROD: UAT is updated to PROD's hotfix release" };
    case 'prod_ahead':
      return { mode: 'update', reason: "UAT was behind PROD: UAT is updated to PROD's hotfix release, which also syncs it" };
    case 'unknown':
      return { mode: 'update', reason: "what UAT runs is not known: UAT is updated to PROD's hotfix release" };
  }
}

export function assertNoteComplete(incident: { id: number }, note: { rootCause: string; fixSummary: string }): void {
  const missing = [note.rootCause.trim() ? null : 'rootCause', note.fixSummary.trim() ? null : 'fixSummary'].filter(Boolean);
  if (missing.length > 0) {
    throw new DomainError('validation_failed', `hotfix ${incident.id}: the post-incident note needs ${missing.join(' and ')} (what caused it, and what the fix changed)`, {
      field: missing[0],
    });
  }
}

/**
 * The post-incident note is required before the incident can close; a deployed hotfix also waits
 * for its UAT follow-up. An incident never deployed (a false alarm) may close with its note.
 */
export function assertClosable(incident: {
  id: number;
  status: HotfixStatus;
  hasNote: boolean;
  uatFollowUp: { status: UatFollowUpStatus; mode: UatFollowUpMode } | null;
}): void {
  if (incident.status === 'closed') throw new DomainError('invalid_transition', `hotfix ${incident.id} is already closed`);
  if (incident.status === 'deploying') throw new DomainError('invalid_transition', `hotfix ${incident.id} is being deployed; close it once the deploy is over`);
  if (!incident.hasNote) {
    throw new DomainError(
      'note_required',
      `hotfix ${incident.id} cannot close without its post-incident note: add the root cause and the fix summary first (tonic hotfix note ${incident.id} --root-cause … --fix-summary …)`,
    );
  }
  if (incident.uatFollowUp && incident.uatFollowUp.status !== 'done') {
    throw new DomainError(
      'invalid_transition',
      `hotfix ${incident.id} cannot close while UAT is not updated (${incident.uatFollowUp.mode.replace('_', '-')} ${incident.uatFollowUp.status}): run the UAT follow-up (tonic hotfix uat-follow-up ${incident.id}), or record it done by hand`,
    );
  }
}
