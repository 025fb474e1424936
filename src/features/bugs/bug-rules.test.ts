import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DomainError } from '../../shared/errors.ts';
import type { FlowChoice } from '../environments/flow-rules.ts';
import {
  BUG_ACTIONS,
  DEFAULT_PIPELINE_SEVERITIES,
  TERMINAL_STATUSES,
  TRANSITIONS,
  assertNotSelfApproval,
  assertPipelineEligible,
  assertTransition,
  decideFlow,
  nextSteps,
  type BugAction,
  type ConfirmInput,
} from './bug-rules.ts';
import { BUG_STATUSES, FIX_FLOWS, SEVERITIES, type BugStatus, type FixFlow, type Severity } from './bug-statuses.ts';

type Bug = { id: number; status: BugStatus; fixFlow: FixFlow | null; severity: Severity };

function bug(status: BugStatus, fixFlow: FixFlow | null = 'flow1', severity: Severity = 'medium'): Bug {
  return { id: 12, status, fixFlow, severity };
}

/** Runs `fn` and returns the DomainError it throws; fails when it does not throw one. */
function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the step to be refused');
}

/** Applies a path of actions to a bug, checking each step lands where the path says. */
function walk(start: Bug, path: readonly [BugAction, BugStatus][]): Bug {
  let current = start;
  for (const [action, expected] of path) {
    const to = assertTransition(current, action);
    assert.equal(to, expected, `${action} from ${current.status}`);
    current = { ...current, status: to };
  }
  return current;
}

/** Every status a bug of this flow and severity can reach from `from`, by the table alone. */
function reachable(from: BugStatus, fixFlow: FixFlow | null, severity: Severity): Set<BugStatus> {
  const seen = new Set<BugStatus>([from]);
  const queue: BugStatus[] = [from];
  while (queue.length > 0) {
    const status = queue.shift()!;
    for (const action of BUG_ACTIONS) {
      let to: BugStatus;
      try {
        to = assertTransition({ id: 1, status, fixFlow, severity }, action);
      } catch {
        continue;
      }
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}

const choice = (flow: FixFlow | null, reason = 'the version check said so'): FlowChoice => ({
  flow,
  relation: flow === 'flow1' ? 'same' : flow === 'flow2' ? 'uat_ahead' : 'prod_ahead',
  reason,
  warning: null,
});

describe('bug state machine: the paths of SEED.md', () => {
  test('Flow 1 (Quick Reference Card): confirmed → [T1] deployed_uat → [human] pending_prod → [T2] deployed_prod', () => {
    const done = walk(bug('submitted', 'flow1'), [
      ['confirm', 'confirmed'],
      ['deploy_uat', 'deployed_uat'],
      ['approve_prod', 'pending_prod'],
      ['deploy_prod', 'deployed_prod'],
    ]);
    // Flow 1 ends at deployed_prod: there is no UAT merge to approve.
    assert.equal(refusal(() => assertTransition(done, 'approve_uat_merge')).code, 'invalid_transition');
  });

  test('Flow 1 through the analysis: confirmed → analyzing → planned → deployed_uat', () => {
    walk(bug('confirmed', 'flow1'), [
      ['start_analysis', 'analyzing'],
      ['record_plan', 'planned'],
      ['deploy_uat', 'deployed_uat'],
    ]);
    walk(bug('confirmed', 'flow1'), [
      ['start_analysis', 'analyzing'],
      ['abort_analysis', 'confirmed'],
    ]);
  });

  test('Flow 2 (Quick Reference Card): confirmed → [T1] pending_prod → [T2] deployed_prod → [human] pending_uat_merge → [T2] uat_merged', () => {
    walk(bug('submitted', 'flow2'), [
      ['confirm', 'confirmed'],
      ['queue_prod', 'pending_prod'],
      ['deploy_prod', 'deployed_prod'],
      ['approve_uat_merge', 'pending_uat_merge'],
      ['merge_uat', 'uat_merged'],
    ]);
    walk(bug('planned', 'flow2'), [['queue_prod', 'pending_prod']]);
  });

  test('a Flow 1 bug reaches exactly the Flow 1 statuses, a Flow 2 bug exactly the Flow 2 ones', () => {
    const common: BugStatus[] = ['submitted', 'confirmed', 'analyzing', 'planned', 'pending_prod', 'deployed_prod', 'closed', 'rejected'];
    assert.deepEqual(
      [...reachable('submitted', 'flow1', 'low')].sort(),
      [...common, 'deployed_uat'].sort(),
      'Flow 1 never skips UAT and never merges back',
    );
    assert.deepEqual(
      [...reachable('submitted', 'flow2', 'low')].sort(),
      [...common, 'pending_uat_merge', 'uat_merged'].sort(),
      'Flow 2 never deploys to UAT first',
    );
    // A bug waiting for a safe flow (PROD ahead of UAT) can be analysed but never deployed.
    assert.deepEqual([...reachable('submitted', null, 'low')].sort(), ['analyzing', 'closed', 'confirmed', 'planned', 'rejected', 'submitted']);
  });

  test('the only way into pending_prod is approve_prod from deployed_uat (Flow 1) or queue_prod at T1 (Flow 2)', () => {
    const into = (to: BugStatus) =>
      (Object.entries(TRANSITIONS) as [BugAction, (typeof TRANSITIONS)[BugAction]][])
        .filter(([, t]) => t.to === to)
        .map(([action, t]) => ({ action, from: [...t.from], flow: t.flow }));
    assert.deepEqual(into('pending_prod'), [
      { action: 'queue_prod', from: ['confirmed', 'planned'], flow: 'flow2' },
      { action: 'approve_prod', from: ['deployed_uat'], flow: 'flow1' },
    ]);
    // A UAT release rebuilt after a drop takes its approved bugs back to validation, never forward.
    assert.deepEqual(into('pending_uat_merge'), [{ action: 'approve_uat_merge', from: ['deployed_prod'], flow: 'flow2' }]);
    assert.deepEqual(into('uat_merged'), [{ action: 'merge_uat', from: ['pending_uat_merge'], flow: 'flow2' }]);
    assert.deepEqual(into('deployed_uat'), [
      { action: 'deploy_uat', from: ['confirmed', 'planned'], flow: 'flow1' },
      { action: 'redeploy_uat', from: ['deployed_uat', 'pending_prod'], flow: 'flow1' },
    ]);
  });

  test('closed and rejected are final: no action leads out, and the refusal says the bug is finished', () => {
    assert.deepEqual([...TERMINAL_STATUSES].sort(), ['closed', 'rejected']);
    for (const status of TERMINAL_STATUSES) {
      assert.deepEqual(nextSteps(status), [], status);
      for (const action of BUG_ACTIONS) {
        for (const fixFlow of [...FIX_FLOWS, null]) {
          const error = refusal(() => assertTransition(bug(status, fixFlow, 'critical'), action));
          assert.equal(error.code, 'invalid_transition');
          assert.match(error.message, new RegExp(`^bug 12 is ${status}; it is finished`));
        }
      }
    }
  });

  test('every other status has a way forward', () => {
    for (const status of BUG_STATUSES) {
      if (TERMINAL_STATUSES.includes(status)) continue;
      assert.ok(nextSteps(status).length > 0, `${status} is a dead end`);
    }
  });

  test('people take the human checkpoints; the scheduled pipeline takes T1 and T2', () => {
    const by = (who: 'person' | 'system') => BUG_ACTIONS.filter((a) => TRANSITIONS[a].by === who).sort();
    // SEED.md's Human Checkpoints (confirm, approve PROD, approve UAT merge), triage and the
    // manual hotfix; an admin drops an unapproved bug from a release (decision 3).
    assert.deepEqual(by('person'), ['approve_prod', 'approve_uat_merge', 'close', 'confirm', 'drop_from_release', 'hotfix_deploy', 'reject']);
    // SEED.md's Automation Nodes: T1 Phase 1 (analysis, UAT deploy or PROD queue), T2 Phase 2/2a/2b.
    // redeploy_uat: T1 rebuilding a UAT release an admin dropped a bug from (decision 3).
    assert.deepEqual(by('system'), ['abort_analysis', 'deploy_prod', 'deploy_uat', 'merge_uat', 'queue_prod', 'record_plan', 'redeploy_uat', 'start_analysis']);
  });

  test('an emergency hotfix takes a high or critical bug straight from submitted to deployed_prod, without confirmed', () => {
    for (const severity of ['high', 'critical'] as const) {
      assert.equal(assertTransition(bug('submitted', null, severity), 'hotfix_deploy'), 'deployed_prod');
      assert.equal(refusal(() => assertTransition(bug('confirmed', null, severity), 'hotfix_deploy')).code, 'invalid_transition');
    }
    for (const severity of ['low', 'medium'] as const) {
      const error = refusal(() => assertTransition(bug('submitted', null, severity), 'hotfix_deploy'));
      assert.equal(error.code, 'invalid_transition');
      assert.match(error.message, new RegExp(`bug 12 is ${severity}, which this system's pipeline takes: confirm it into the pipeline instead of a hotfix`));
    }
  });
});

describe('bug state machine: refusals say why and what the action needs', () => {
  test("STYLE.md's example, word for word", () => {
    const error = refusal(() => assertTransition(bug('deployed_uat', 'flow1'), 'approve_uat_merge'));
    assert.equal(error.message, 'bug 12 is deployed_uat; approve-uat-merge needs deployed_prod (Flow 2)');
    assert.deepEqual(error.details, { status: 'deployed_uat', action: 'approve-uat-merge', needs: ['deployed_prod'] });
  });

  test('every refused (status, action) names the bug, its status, the action and the statuses it needs', () => {
    for (const status of BUG_STATUSES) {
      for (const action of BUG_ACTIONS) {
        const t = TRANSITIONS[action];
        if (t.from.includes(status)) continue;
        const error = refusal(() => assertTransition(bug(status, t.flow ?? 'flow1', 'high'), action));
        assert.equal(error.code, 'invalid_transition');
        assert.match(error.message, new RegExp(`^bug 12 is ${status}[;]`));
        assert.ok(error.message.includes(`${action.replaceAll('_', '-')} needs ${t.from.join(' or ')}`), error.message);
        if (t.flow) assert.ok(error.message.endsWith(`(${t.flow === 'flow1' ? 'Flow 1' : 'Flow 2'})`), error.message);
      }
    }
  });

  test('a flow-specific step refuses a bug of the other flow, naming both flows', () => {
    const flowSteps = BUG_ACTIONS.filter((a) => TRANSITIONS[a].flow);
    assert.deepEqual(flowSteps.sort(), ['approve_prod', 'approve_uat_merge', 'deploy_uat', 'drop_from_release', 'merge_uat', 'queue_prod', 'redeploy_uat']);
    for (const action of flowSteps) {
      const t = TRANSITIONS[action];
      const other: FixFlow = t.flow === 'flow1' ? 'flow2' : 'flow1';
      const label = (f: FixFlow) => (f === 'flow1' ? 'Flow 1' : 'Flow 2');
      const error = refusal(() => assertTransition(bug(t.from[0]!, other), action));
      assert.equal(error.code, 'invalid_transition');
      assert.equal(error.message, `bug 12 follows ${label(other)}; ${action.replaceAll('_', '-')} is a ${label(t.flow!)} step`);
      const none = refusal(() => assertTransition(bug(t.from[0]!, null), action));
      assert.equal(none.message, `bug 12 has no flow chosen yet; ${action.replaceAll('_', '-')} is a ${label(t.flow!)} step`);
    }
  });

  test('steps both flows share take a bug of either flow', () => {
    for (const fixFlow of FIX_FLOWS) {
      assert.equal(assertTransition(bug('pending_prod', fixFlow), 'deploy_prod'), 'deployed_prod');
      assert.equal(assertTransition(bug('confirmed', fixFlow), 'start_analysis'), 'analyzing');
      assert.equal(assertTransition(bug('deployed_prod', fixFlow), 'close'), 'closed');
    }
  });
});

describe('severity policy, self-approval and the flow decision', () => {
  test('high and critical never enter the pipeline under the default policy; low and medium do', () => {
    assert.deepEqual([...DEFAULT_PIPELINE_SEVERITIES], ['low', 'medium']);
    for (const severity of ['high', 'critical'] as const) {
      const error = refusal(() => assertPipelineEligible({ id: 7, severity }, DEFAULT_PIPELINE_SEVERITIES));
      assert.equal(error.code, 'severity_requires_hotfix');
      assert.match(error.message, new RegExp(`^bug 7 is ${severity}: this system's pipeline takes low and medium bugs only`));
      assert.match(error.message, /emergency hotfix/);
    }
    for (const severity of ['low', 'medium'] as const) assertPipelineEligible({ id: 7, severity }, DEFAULT_PIPELINE_SEVERITIES);
  });

  test("a system's own policy decides: with pipeline [low], a medium bug is refused", () => {
    const error = refusal(() => assertPipelineEligible({ id: 3, severity: 'medium' }, ['low']));
    assert.match(error.message, /takes low bugs only/);
  });

  test('under any system policy, a bug the pipeline refuses can take the emergency hotfix path', () => {
    // SEED.md, Adapting: "confirm which severities enter pipeline vs emergency hotfix". A bug the
    // policy keeps out of the pipeline must not be stuck in submitted with both doors closed.
    const policies: Severity[][] = [['low', 'medium'], ['low'], ['low', 'medium', 'high']];
    for (const policy of policies) {
      for (const severity of SEVERITIES) {
        let pipeline = true;
        try {
          assertPipelineEligible({ id: 1, severity }, policy);
        } catch {
          pipeline = false;
        }
        let hotfix = true;
        try {
          assertTransition({ id: 1, status: 'submitted', fixFlow: null, severity }, 'hotfix_deploy', policy);
        } catch {
          hotfix = false;
        }
        assert.ok(pipeline || hotfix, `policy [${policy.join(', ')}], ${severity} bug: pipeline ${pipeline ? 'open' : 'closed'}, hotfix ${hotfix ? 'open' : 'closed'}`);
      }
    }
  });

  test('nobody approves a fix they attached, unless the system allows it', () => {
    const error = refusal(() => assertNotSelfApproval({ id: 4, fixAttachedBy: 'dana' }, 'dana', false));
    assert.equal(error.code, 'self_approval');
    assert.match(error.message, /^bug 4: dana attached its fix and cannot also approve it; another manager or admin must approve/);
    assertNotSelfApproval({ id: 4, fixAttachedBy: 'dana' }, 'erin', false);
    assertNotSelfApproval({ id: 4, fixAttachedBy: null }, 'dana', false);
    assertNotSelfApproval({ id: 4, fixAttachedBy: 'dana' }, 'dana', true);
  });

  test('auto takes the version check; a wait has no flow and says why', () => {
    assert.deepEqual(decideFlow(choice('flow1'), { flow: 'auto' }), { flow: 'flow1', hold: null, override: null });
    assert.deepEqual(decideFlow(choice('flow2'), { flow: 'auto' }), { flow: 'flow2', hold: null, override: null });
    assert.deepEqual(decideFlow(choice(null, 'UAT is behind PROD: sync UAT first'), { flow: 'auto' }), {
      flow: null,
      hold: 'UAT is behind PROD: sync UAT first',
      override: null,
    });
  });

  test('naming the chosen flow is not an override; naming another needs a reason', () => {
    assert.deepEqual(decideFlow(choice('flow2'), { flow: 'flow2' }), { flow: 'flow2', hold: null, override: null });
    for (const reason of [undefined, '', '   ']) {
      const input: ConfirmInput = reason === undefined ? { flow: 'flow2' } : { flow: 'flow2', reason };
      const error = refusal(() => decideFlow(choice('flow1', 'same commit'), input));
      assert.equal(error.code, 'override_reason_required');
      assert.equal(error.message, 'the version check chose flow1 (same commit); choosing flow2 instead is an override: give a reason');
    }
    const held = refusal(() => decideFlow(choice(null, 'UAT is behind PROD: sync UAT first'), { flow: 'flow1' }));
    assert.match(held.message, /^the version check found no safe flow \(UAT is behind PROD: sync UAT first\); choosing flow1/);
    assert.deepEqual(decideFlow(choice('flow1'), { flow: 'flow2', reason: '  prod-only config  ' }), {
      flow: 'flow2',
      hold: null,
      override: { from: 'flow1', to: 'flow2', reason: 'prod-only config' },
    });
    assert.deepEqual(decideFlow(choice(null), { flow: 'flow1', reason: 'synced by hand' }).override, { from: null, to: 'flow1', reason: 'synced by hand' });
  });
});

// ---------------------------------------------------------------------------------------------
// Property: random sequences of actions applied the way the use cases apply them.

type ConfirmSpec = { choice: FixFlow | null; input: ConfirmInput };
/** A named action, or "the n-th step the table offers from where the bug is" (to get deep into the flows). */
type Step = { kind: 'act'; action: BugAction; confirm: ConfirmSpec } | { kind: 'follow'; n: number; finish: boolean; confirm: ConfirmSpec };

const confirmArb: fc.Arbitrary<ConfirmSpec> = fc.record({
  choice: fc.constantFrom<FixFlow | null>('flow1', 'flow2', null),
  input: fc.record({
    flow: fc.constantFrom<ConfirmInput['flow']>('auto', 'auto', 'flow1', 'flow2'),
    reason: fc.option(fc.constantFrom('', 'prod-only config'), { nil: undefined }),
  }),
});

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('act' as const), action: fc.constantFrom(...BUG_ACTIONS), confirm: confirmArb }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('follow' as const), n: fc.nat(), finish: fc.integer({ min: 0, max: 9 }).map((n) => n === 0), confirm: confirmArb }), weight: 5 },
);

type Trace = { action: BugAction; from: BugStatus; to: BugStatus; fixFlow: FixFlow | null }[];

function actionOf(current: Bug, step: Step): BugAction {
  if (step.kind === 'act') return step.action;
  // Mostly keep the bug alive (closing and rejecting end a run early); sometimes end it.
  const offered = nextSteps(current.status).filter((o) => step.finish || !TERMINAL_STATUSES.includes(o.to));
  return offered.length ? offered[step.n % offered.length]!.action : 'close';
}

/** What the bug service does for one command, with nothing but the pure rules. */
function apply(current: Bug, action: BugAction, confirm: ConfirmSpec): Bug {
  if (action === 'confirm') {
    const to = assertTransition(current, 'confirm');
    assertPipelineEligible(current, DEFAULT_PIPELINE_SEVERITIES);
    const decision = decideFlow(choice(confirm.choice), confirm.input);
    return { ...current, status: to, fixFlow: decision.flow };
  }
  return { ...current, status: assertTransition(current, action) };
}

describe('bug state machine: property over random action sequences', () => {
  test('every status reached is allowed by the table; approvals gate pending_prod and pending_uat_merge; high/critical never confirmed', () => {
    // How often the runs got deep into each flow, so the property is known not to hold vacuously.
    const reached = { flow1Prod: 0, flow2Merged: 0, hotfix: 0 };
    fc.assert(
      fc.property(fc.constantFrom(...SEVERITIES), fc.array(stepArb, { minLength: 10, maxLength: 60, size: 'max' }), (severity, steps) => {
        let current: Bug = { id: 1, status: 'submitted', fixFlow: null, severity };
        const trace: Trace = [];
        for (const step of steps) {
          const action = actionOf(current, step);
          let next: Bug;
          try {
            next = apply(current, action, step.confirm);
          } catch (error) {
            // Refused: a domain refusal, and the bug stays as it was.
            assert.ok(error instanceof DomainError, `a refusal must be a DomainError, got ${String(error)}`);
            continue;
          }
          trace.push({ action, from: current.status, to: next.status, fixFlow: next.fixFlow });
          current = next;
        }

        let previous: BugStatus = 'submitted';
        let flow: FixFlow | null = null;
        for (const [i, entry] of trace.entries()) {
          const t = TRANSITIONS[entry.action];
          assert.equal(entry.from, previous, 'each step starts where the last one ended');
          assert.ok(t.from.includes(entry.from), `${entry.action} from ${entry.from} is not in the table`);
          assert.equal(entry.to, t.to);
          assert.ok(!TERMINAL_STATUSES.includes(entry.from), `${entry.action} left ${entry.from}`);
          if (t.flow) assert.equal(flow, t.flow, `${entry.action} is a ${t.flow} step; bug follows ${flow}`);
          if (entry.action !== 'confirm') assert.equal(entry.fixFlow, flow, 'only confirm sets the flow');
          flow = entry.fixFlow;

          if (entry.to === 'confirmed' && entry.action === 'confirm') {
            assert.ok(severity === 'low' || severity === 'medium', `a ${severity} bug was confirmed`);
          }
          if (entry.to === 'pending_prod' && flow === 'flow1') {
            assert.equal(entry.action, 'approve_prod');
            assert.equal(trace[i - 1]?.to, 'deployed_uat', 'approve_prod follows deployed_uat');
          }
          if (entry.to === 'pending_uat_merge') {
            assert.equal(entry.action, 'approve_uat_merge');
            assert.equal(entry.from, 'deployed_prod');
            assert.equal(flow, 'flow2');
          }
          if (entry.to === 'uat_merged') {
            assert.ok(trace.slice(0, i).some((e) => e.action === 'approve_uat_merge'), 'uat_merged without an approved UAT merge');
          }
          if (entry.to === 'deployed_prod' && entry.action === 'deploy_prod' && flow === 'flow1') {
            assert.ok(trace.slice(0, i).some((e) => e.action === 'approve_prod'), 'Flow 1 PROD deploy without approve_prod');
          }
          if (severity === 'high' || severity === 'critical') {
            // The pipeline never holds them: the only ways on are the hotfix, reject and close.
            assert.ok(['hotfix_deploy', 'reject', 'close'].includes(entry.action), `${severity} bug took ${entry.action}`);
          }
          previous = entry.to;
        }
        assert.equal(current.status, previous);
        if (trace.some((e) => e.action === 'deploy_prod' && e.fixFlow === 'flow1')) reached.flow1Prod += 1;
        if (trace.some((e) => e.to === 'uat_merged')) reached.flow2Merged += 1;
        if (trace.some((e) => e.action === 'hotfix_deploy')) reached.hotfix += 1;
      }),
      { numRuns: 1000 },
    );
    assert.ok(reached.flow1Prod > 0 && reached.flow2Merged > 0 && reached.hotfix > 0, `runs too shallow: ${JSON.stringify(reached)}`);
  });
});
