/**
 * The bug state machine and its guards: pure, no I/O, no clock.
 * Every change of a bug's status goes through `assertTransition`.
 */
import { assertNever, DomainError } from '../../shared/errors.ts';
import type { FlowChoice } from '../environments/flow-rules.ts';
import { can, type Permission, type Role } from '../identity/roles.ts';
import { FLOW_LABEL, type BugStatus, type EnvironmentName, type FixFlow, type Severity } from './bug-statuses.ts';

export const BUG_ACTIONS = [
  'confirm',
  'reject',
  'start_analysis',
  'record_plan',
  'abort_analysis',
  'deploy_uat',
  'queue_prod',
  'approve_prod',
  'deploy_prod',
  'approve_uat_merge',
  'merge_uat',
  'drop_from_release',
  'redeploy_uat',
  'hotfix_deploy',
  'close',
] as const;
export type BugAction = (typeof BUG_ACTIONS)[number];

/**
 * Changes recorded in a bug's history that do not move its status: attaching a fix, the pipeline
 * re-routing it to the other flow, a cherry-pick conflict, a reminder that no fix is attached, an
 * analysis run on demand; for an emergency hotfix, the incident opened, UAT updated after it, and
 * the post-incident note.
 */
export const BUG_NOTES = ['attach_fix', 'reroute', 'conflict', 'fix_missing', 'release_held', 'analysis', 'hotfix_opened', 'hotfix_uat_updated', 'incident_note'] as const;
export type BugNote = (typeof BUG_NOTES)[number];

export function isBugNote(action: string): action is BugNote {
  return (BUG_NOTES as readonly string[]).includes(action);
}

export type Transition = {
  from: readonly BugStatus[];
  to: BugStatus;
  /** Who takes the step: a person through the API, or the scheduled pipeline. */
  by: 'person' | 'system';
  /** The flow the bug must follow for this step; absent when both flows take it. */
  flow?: FixFlow;
};

/** The whole workflow of SEED.md on one screen. */
export const TRANSITIONS: Record<BugAction, Transition> = {
  confirm: { from: ['submitted'], to: 'confirmed', by: 'person' },
  reject: { from: ['submitted', 'confirmed', 'planned'], to: 'rejected', by: 'person' },
  start_analysis: { from: ['confirmed', 'planned'], to: 'analyzing', by: 'system' },
  record_plan: { from: ['analyzing'], to: 'planned', by: 'system' },
  abort_analysis: { from: ['analyzing'], to: 'confirmed', by: 'system' },
  deploy_uat: { from: ['confirmed', 'planned'], to: 'deployed_uat', by: 'system', flow: 'flow1' },
  queue_prod: { from: ['confirmed', 'planned'], to: 'pending_prod', by: 'system', flow: 'flow2' },
  approve_prod: { from: ['deployed_uat'], to: 'pending_prod', by: 'person', flow: 'flow1' },
  deploy_prod: { from: ['pending_prod'], to: 'deployed_prod', by: 'system' },
  approve_uat_merge: { from: ['deployed_prod'], to: 'pending_uat_merge', by: 'person', flow: 'flow2' },
  merge_uat: { from: ['pending_uat_merge'], to: 'uat_merged', by: 'system', flow: 'flow2' },
  drop_from_release: { from: ['deployed_uat'], to: 'confirmed', by: 'person', flow: 'flow1' },
  // A UAT release rebuilt after a bug was dropped from it: what was approved must be validated again.
  redeploy_uat: { from: ['deployed_uat', 'pending_prod'], to: 'deployed_uat', by: 'system', flow: 'flow1' },
  hotfix_deploy: { from: ['submitted'], to: 'deployed_prod', by: 'person' },
  close: {
    from: ['submitted', 'confirmed', 'planned', 'deployed_uat', 'deployed_prod', 'uat_merged'],
    to: 'closed',
    by: 'person',
  },
};

/**
 * A rollback (DESIGN.md decision 10) is not a step of the table: it undoes one, so where it leads
 * depends on where the bug was. It takes a bug the rolled-back deployment moved back to the status
 * it had before that deployment (`statusBeforeDeployment`), through the same single change path,
 * history and audit as every step.
 */
export const ROLLBACK_ACTION = 'rollback';

/**
 * Per environment, the statuses a deployment there leaves a bug in, or that follow one before the
 * next deployment. A bug already further on (in PROD when UAT is rolled back) is left alone.
 */
export const ROLLBACK_FROM: Record<EnvironmentName, readonly BugStatus[]> = {
  uat: ['deployed_uat', 'pending_prod', 'uat_merged'],
  prod: ['deployed_prod', 'pending_uat_merge'],
};

/** The steps that put a release on an environment; their history entry names the release. */
export const DEPLOY_STEPS: Record<EnvironmentName, readonly BugAction[]> = {
  uat: ['deploy_uat', 'redeploy_uat', 'merge_uat'],
  prod: ['deploy_prod', 'hotfix_deploy'],
};

/** Statuses in which the pipeline acts by itself at the next T2: returning there would redeploy the same release. */
const QUEUED_FOR_T2: readonly BugStatus[] = ['pending_prod', 'pending_uat_merge'];

type HistoryStep = { action: string; from: BugStatus | null; to: BugStatus; data: Record<string, unknown> | null };

/**
 * The status a bug returns to when the deployment of `release` is rolled back: the status it had
 * before that deployment's step. When that status was a queue for T2 (approved, or queued by T1),
 * the bug goes back to before it was queued, so the next T2 does not deploy the release that was
 * just rolled back without a person deciding again. Null when no step deployed `release` for it.
 */
export function statusBeforeDeployment(history: readonly HistoryStep[], release: string, env: EnvironmentName): BugStatus | null {
  const steps: readonly string[] = DEPLOY_STEPS[env];
  let i = history.length - 1;
  while (i >= 0 && !(steps.includes(history[i]!.action) && history[i]!.data?.release === release)) i--;
  if (i < 0) return null;
  let before = history[i]!.from;
  if (before !== null && QUEUED_FOR_T2.includes(before)) {
    let j = i - 1;
    while (j >= 0 && history[j]!.to !== before) j--;
    if (j >= 0 && history[j]!.from !== null) before = history[j]!.from;
  }
  return before;
}

/** Checks a rollback of one bug: it must still be where a deployment left it. Returns where it goes. */
export function assertRollback(bug: BugFacts, rollback: { to: BugStatus; env: EnvironmentName } | undefined): BugStatus {
  const to = rollback?.to;
  const from = rollback ? ROLLBACK_FROM[rollback.env] : [];
  if (!from.includes(bug.status)) {
    const done = TERMINAL_STATUSES.includes(bug.status) ? ' and is finished' : '';
    throw new DomainError(
      'invalid_transition',
      `bug ${bug.id} is ${bug.status}${done}; a rollback of ${rollback?.env ?? 'an environment'} returns bugs that are ${from.join(', ')}: it was left as it is`,
      { status: bug.status, action: ROLLBACK_ACTION },
    );
  }
  if (to === undefined || TERMINAL_STATUSES.includes(to)) throw new DomainError('invalid_transition', `bug ${bug.id}: a rollback needs the status the bug had before the deployment`);
  return to;
}

/** Statuses no action leads out of. */
export const TERMINAL_STATUSES: readonly BugStatus[] = ['closed', 'rejected'];

export function actionName(action: BugAction): string {
  return action.replaceAll('_', '-');
}

type BugFacts = { id: number; status: BugStatus; fixFlow: FixFlow | null; severity: Severity };

/** What the actions a person may take on a bug depend on (besides the person). */
export type ActionFacts = Omit<BugFacts, 'id'> & { fixAttachedBy: string | null };

/**
 * Returns the status `action` leads to from the bug's current one, or throws a DomainError that
 * says what the bug is and what the action needs.
 */
export function assertTransition(
  bug: BugFacts,
  action: BugAction,
  pipelineSeverities: readonly Severity[] = DEFAULT_PIPELINE_SEVERITIES,
): BugStatus {
  const t = TRANSITIONS[action];
  const name = actionName(action);
  if (!t.from.includes(bug.status)) {
    const needs = t.from.join(' or ');
    const flow = t.flow ? ` (${FLOW_LABEL[t.flow]})` : '';
    const done = TERMINAL_STATUSES.includes(bug.status) ? '; it is finished and takes no further action' : '';
    throw new DomainError('invalid_transition', `bug ${bug.id} is ${bug.status}${done}; ${name} needs ${needs}${flow}`, {
      status: bug.status,
      action: name,
      needs: t.from,
    });
  }
  if (t.flow && bug.fixFlow !== t.flow) {
    const current = bug.fixFlow ? `follows ${FLOW_LABEL[bug.fixFlow]}` : 'has no flow chosen yet';
    throw new DomainError('invalid_transition', `bug ${bug.id} ${current}; ${name} is a ${FLOW_LABEL[t.flow]} step`, {
      status: bug.status,
      action: name,
      fixFlow: bug.fixFlow,
      needsFlow: t.flow,
    });
  }
  if (action === 'hotfix_deploy' && isPipelineSeverity(bug.severity, pipelineSeverities)) {
    throw new DomainError(
      'invalid_transition',
      `bug ${bug.id} is ${bug.severity}, which this system's pipeline takes: confirm it into the pipeline instead of a hotfix`,
    );
  }
  return t.to;
}

/** Whether `action` may move the bug now (status and flow); `assertTransition` says why not. */
export function canTransition(bug: { status: BugStatus; fixFlow: FixFlow | null }, action: BugAction): boolean {
  const t = TRANSITIONS[action];
  return t.from.includes(bug.status) && (!t.flow || bug.fixFlow === t.flow);
}

/** While a fix can still be attached: before the pipeline has built it into a release. */
export const FIXABLE_STATUSES: readonly BugStatus[] = ['submitted', 'confirmed', 'planned'];

/**
 * The decisions people take on a bug through the API, in the order a page offers them. Attaching a
 * fix is not a status change but is offered the same way.
 */
export const PERSON_ACTIONS = ['confirm', 'attach_fix', 'approve_prod', 'approve_uat_merge', 'drop_from_release', 'reject', 'close'] as const;
export type PersonAction = (typeof PERSON_ACTIONS)[number];

const ACTION_PERMISSION: Record<PersonAction, Permission> = {
  confirm: 'bugs.triage',
  attach_fix: 'bugs.report',
  approve_prod: 'bugs.approve',
  approve_uat_merge: 'bugs.approve',
  drop_from_release: 'releases.manage',
  reject: 'bugs.triage',
  close: 'bugs.triage',
};

export type Caller = { username: string; roles: readonly Role[]; allowSelfApproval: boolean; pipelineSeverities: readonly Severity[] };

/**
 * What `caller` may do to the bug now: their roles on its system, the transition table, the
 * severity policy and the self-approval rule. The dashboard offers exactly these.
 */
export function allowedActions(bug: ActionFacts, caller: Caller): PersonAction[] {
  return PERSON_ACTIONS.filter((action) => {
    if (!can(caller.roles, ACTION_PERMISSION[action])) return false;
    switch (action) {
      case 'attach_fix':
        return FIXABLE_STATUSES.includes(bug.status);
      case 'confirm':
        return canTransition(bug, action) && isPipelineSeverity(bug.severity, caller.pipelineSeverities);
      case 'approve_prod':
      case 'approve_uat_merge':
        return canTransition(bug, action) && (caller.allowSelfApproval || bug.fixAttachedBy === null || bug.fixAttachedBy !== caller.username);
      case 'drop_from_release':
      case 'reject':
      case 'close':
        return canTransition(bug, action);
      default:
        return assertNever(action, 'action');
    }
  });
}

/**
 * `allowedActions` for many bugs and one caller (a list page): the answer depends only on the
 * bug's status, flow, severity and whether the caller attached its fix, so each combination is
 * worked out once.
 */
export function allowedActionsFor(caller: Caller): (bug: ActionFacts) => PersonAction[] {
  const known = new Map<string, PersonAction[]>();
  return (bug) => {
    const key = `${bug.status} ${bug.fixFlow} ${bug.severity} ${bug.fixAttachedBy === caller.username}`;
    let actions = known.get(key);
    if (actions === undefined) {
      actions = allowedActions(bug, caller);
      known.set(key, actions);
    }
    return actions;
  };
}

/** Statuses reachable from `status` in one step, with the action that takes each. */
export function nextSteps(status: BugStatus): { action: BugAction; to: BugStatus }[] {
  return (Object.entries(TRANSITIONS) as [BugAction, Transition][])
    .filter(([, t]) => t.from.includes(status))
    .map(([action, t]) => ({ action, to: t.to }));
}

export const DEFAULT_PIPELINE_SEVERITIES: readonly Severity[] = ['low', 'medium'];

function isPipelineSeverity(severity: Severity, pipeline: readonly Severity[] = DEFAULT_PIPELINE_SEVERITIES): boolean {
  return pipeline.includes(severity);
}

/** SEED.md's Severity Rules: high and critical never wait for a scheduled pipeline. */
export function assertPipelineEligible(bug: { id: number; severity: Severity }, pipeline: readonly Severity[]): void {
  if (!isPipelineSeverity(bug.severity, pipeline)) {
    throw new DomainError(
      'severity_requires_hotfix',
      `bug ${bug.id} is ${bug.severity}: this system's pipeline takes ${pipeline.join(' and ')} bugs only. ` +
        'High and critical bugs bypass the nightly pipeline: handle it as an emergency hotfix.',
      { severity: bug.severity, pipelineSeverities: pipeline },
    );
  }
}

/** By default nobody approves a fix they attached (DESIGN.md, Roles). */
export function assertNotSelfApproval(
  bug: { id: number; fixAttachedBy: string | null },
  approver: string,
  allowSelfApproval: boolean,
): void {
  if (!allowSelfApproval && bug.fixAttachedBy !== null && bug.fixAttachedBy === approver) {
    throw new DomainError(
      'self_approval',
      `bug ${bug.id}: ${approver} attached its fix and cannot also approve it; another manager or admin must approve`,
    );
  }
}

export type ConfirmInput = { flow: 'auto' | FixFlow; reason?: string };

/**
 * The flow a confirmation gives the bug. "auto" takes the version check's answer (which may be
 * "none: wait"); naming a different flow is an override and needs a reason.
 */
export type FlowDecision = { flow: FixFlow | null; hold: string | null; override: { from: FixFlow | null; to: FixFlow; reason: string } | null };

export function decideFlow(choice: FlowChoice, input: ConfirmInput): FlowDecision {
  if (input.flow === 'auto') return { flow: choice.flow, hold: choice.flow ? null : choice.reason, override: null };
  if (input.flow === choice.flow) return { flow: input.flow, hold: null, override: null };
  const reason = input.reason?.trim();
  if (!reason) {
    const chosen = choice.flow ? `the version check chose ${choice.flow}` : 'the version check found no safe flow';
    throw new DomainError('override_reason_required', `${chosen} (${choice.reason}); choosing ${input.flow} instead is an override: give a reason`, {
      field: 'reason',
      chosen: choice.flow,
    });
  }
  return { flow: input.flow, hold: null, override: { from: choice.flow, to: input.flow, reason } };
}

