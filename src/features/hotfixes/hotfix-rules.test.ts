import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DomainError } from '../../shared/errors.ts';
import { SEVERITIES } from '../bugs/bug-statuses.ts';
import { VERSION_RELATIONS } from '../environments/flow-rules.ts';
import { ROLES, type Role } from '../identity/roles.ts';
import { formatLocal } from '../schedule/schedule-rules.ts';
import {
  CHECKLIST,
  DEFAULT_HOTFIX_POLICY,
  approvalVerdict,
  assertClosable,
  assertDeployable,
  assertHotfixSeverity,
  assertMayApprove,
  assertPersonMayTick,
  assertTeamNotified,
  freezeForHotfix,
  priorityOf,
  reviewDueAt,
  reviewReminderDue,
  slaDueAt,
  slaWarningsDue,
  uatFollowUpMode,
  type FreezeForHotfix,
  type HotfixApproval,
  type HotfixStatus,
} from './hotfix-rules.ts';

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DomainError);
    return error;
  }
  assert.fail('expected a refusal');
}

const at = (iso: string) => new Date(iso);
const NOT_FROZEN: FreezeForHotfix = { frozen: false, lunarNewYear: false, why: null };
const FROZEN: FreezeForHotfix = { frozen: true, lunarNewYear: false, why: 'a change freeze is in force' };
const LNY: FreezeForHotfix = { frozen: true, lunarNewYear: true, why: 'the Lunar New Year freeze is in force' };
const person = (approver: string, ...roles: Role[]): HotfixApproval => ({ approver, roles });

describe('opening: severity, priority, SLA and review', () => {
  test('only the severities the pipeline refuses are emergencies; the refusal says where the bug belongs', () => {
    for (const severity of ['high', 'critical'] as const) assertHotfixSeverity({ id: 4, severity }, ['low', 'medium']);
    for (const severity of ['low', 'medium'] as const) {
      const error = refusal(() => assertHotfixSeverity({ id: 4, severity }, ['low', 'medium']));
      assert.equal(error.code, 'severity_requires_pipeline');
      assert.match(error.message, new RegExp(`^bug 4 is ${severity}: .* Confirm it into the pipeline instead`));
    }
    // A system whose pipeline takes only low bugs treats medium as an emergency.
    assertHotfixSeverity({ id: 4, severity: 'medium' }, ['low']);
  });

  test('critical is P1 and high is P2 by default; the policy can say otherwise', () => {
    assert.equal(priorityOf('critical', DEFAULT_HOTFIX_POLICY), 'P1');
    assert.equal(priorityOf('high', DEFAULT_HOTFIX_POLICY), 'P2');
    assert.equal(priorityOf('high', { ...DEFAULT_HOTFIX_POLICY, priorities: { ...DEFAULT_HOTFIX_POLICY.priorities, high: 'P1' } }), 'P1');
  });

  test('the SLA is P1 1 h and P2 4 h of elapsed time, also across a daylight-saving change', () => {
    assert.equal(slaDueAt(at('2026-11-26T04:00:00Z'), 'P1', DEFAULT_HOTFIX_POLICY).toISOString(), '2026-11-26T05:00:00.000Z');
    assert.equal(slaDueAt(at('2026-11-26T04:00:00Z'), 'P2', DEFAULT_HOTFIX_POLICY).toISOString(), '2026-11-26T08:00:00.000Z');
    // London springs forward at 01:00 UTC on 2027-03-28: 00:30 local + 1 h is 02:30 local.
    const opened = at('2027-03-28T00:30:00Z');
    const due = slaDueAt(opened, 'P1', DEFAULT_HOTFIX_POLICY);
    assert.equal(due.getTime() - opened.getTime(), 3_600_000);
    assert.equal(formatLocal(due, 'Europe/London'), '2027-03-28 02:30 GMT+1');
  });

  test('a P1 review is due within 48 hours (of elapsed time); P2 has none unless configured', () => {
    assert.equal(reviewDueAt(at('2027-03-27T10:00:00Z'), 'P1', DEFAULT_HOTFIX_POLICY)?.toISOString(), '2027-03-29T10:00:00.000Z');
    assert.equal(reviewDueAt(at('2027-03-27T10:00:00Z'), 'P2', DEFAULT_HOTFIX_POLICY), null);
    assert.equal(reviewDueAt(at('2027-03-27T10:00:00Z'), 'P2', { ...DEFAULT_HOTFIX_POLICY, reviewWithinHours: { P2: 72 } })?.toISOString(), '2027-03-30T10:00:00.000Z');
  });
});

describe('the SLA clock', () => {
  const incident = { openedAt: at('2026-11-26T04:00:00Z'), slaDueAt: at('2026-11-26T05:00:00Z'), slaWarned: 0, slaStoppedAt: null };

  test('50 % at half the SLA, 100 % at its end, each once', () => {
    assert.deepEqual(slaWarningsDue(incident, at('2026-11-26T04:29:59.999Z')), []);
    assert.deepEqual(slaWarningsDue(incident, at('2026-11-26T04:30:00Z')), [50]);
    assert.deepEqual(slaWarningsDue({ ...incident, slaWarned: 50 }, at('2026-11-26T04:59:00Z')), []);
    assert.deepEqual(slaWarningsDue({ ...incident, slaWarned: 50 }, at('2026-11-26T05:00:00Z')), [100]);
    assert.deepEqual(slaWarningsDue({ ...incident, slaWarned: 100 }, at('2026-11-27T05:00:00Z')), []);
    // A late check sends both, in order.
    assert.deepEqual(slaWarningsDue(incident, at('2026-11-26T09:00:00Z')), [50, 100]);
  });

  test('a stopped clock warns no more', () => {
    assert.deepEqual(slaWarningsDue({ ...incident, slaStoppedAt: at('2026-11-26T04:20:00Z') }, at('2026-11-26T06:00:00Z')), []);
  });

  test('property: checking at any instants in any order sends each warning once, and only once its instant has passed', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 180 }), { minLength: 1, maxLength: 20 }), (minutes) => {
        let warned = 0;
        const sent: number[] = [];
        for (const m of [...minutes].sort((a, b) => a - b)) {
          const due = slaWarningsDue({ ...incident, slaWarned: warned }, new Date(incident.openedAt.getTime() + m * 60_000));
          for (const p of due) assert.ok(m >= (p === 50 ? 30 : 60), `${p} % sent at minute ${m}`);
          sent.push(...due);
          if (due.length) warned = due.at(-1)!;
        }
        assert.deepEqual(sent, [50, 100].filter((p) => Math.max(...minutes) >= (p === 50 ? 30 : 60)));
      }),
    );
  });

  test('the review reminder: when due, once, not after the review was held', () => {
    const review = { reviewDueAt: at('2026-11-28T04:00:00Z'), reviewRemindedAt: null, reviewHeldAt: null };
    assert.equal(reviewReminderDue(review, at('2026-11-28T03:59:59Z')), false);
    assert.equal(reviewReminderDue(review, at('2026-11-28T04:00:00Z')), true);
    assert.equal(reviewReminderDue({ ...review, reviewRemindedAt: at('2026-11-28T04:00:00Z') }, at('2026-11-29T00:00:00Z')), false);
    assert.equal(reviewReminderDue({ ...review, reviewHeldAt: at('2026-11-27T00:00:00Z') }, at('2026-11-29T00:00:00Z')), false);
    assert.equal(reviewReminderDue({ ...review, reviewDueAt: null }, at('2026-11-29T00:00:00Z')), false);
  });
});

describe('the checklist', () => {
  test("SEED.md's nine items, in its order", () => {
    assert.equal(CHECKLIST.length, 9);
    assert.equal(CHECKLIST[0].text, 'Severity confirmed as critical/high before bypassing pipeline');
    assert.equal(CHECKLIST[8].text, 'Incident review scheduled (within 48h for P1)');
  });

  test('people tick what they did; the items an action does are refused by hand, with the action to use', () => {
    const open = { id: 3, status: 'open' as HotfixStatus };
    const deployed = { id: 3, status: 'deployed' as HotfixStatus };
    assertPersonMayTick(deployed, 'smoke_test', []);
    assertPersonMayTick(open, 'stakeholders_notified', []);
    assert.match(refusal(() => assertPersonMayTick(open, 'team_notified', [])).message, /ticked by the notify action/);
    assert.match(refusal(() => assertPersonMayTick(deployed, 'incident_note', [])).message, /the note action/);
    assert.match(refusal(() => assertPersonMayTick(open, 'deployed_within_sla', [])).message, /once the fix is deployed/);
    assert.equal(refusal(() => assertPersonMayTick(deployed, 'smoke_test', ['smoke_test'])).code, 'conflict');
    assert.equal(refusal(() => assertPersonMayTick({ id: 3, status: 'closed' }, 'review_scheduled', [])).code, 'invalid_transition');
  });
});

describe('the deploy: the team told, and in a freeze the two-person rule', () => {
  test('someone other than the deployer must have been notified', () => {
    assert.equal(refusal(() => assertTeamNotified({ id: 2 }, [], 'admin')).code, 'team_not_notified');
    assert.match(refusal(() => assertTeamNotified({ id: 2 }, [{ people: ['admin'], by: 'admin', at: '' }], 'admin')).message, /only admin was notified/);
    assertTeamNotified({ id: 2 }, [{ people: ['admin', 'bob'], by: 'admin', at: '' }], 'admin');
  });

  test('a module freeze counts for bugs of its modules only; the Lunar New Year freeze always', () => {
    const monthEnd = { full: false, modules: ['financial'], lunarNewYear: false, sources: [{ label: 'month-end close' }] };
    assert.deepEqual(freezeForHotfix(monthEnd, 'financial'), { frozen: true, lunarNewYear: false, why: 'module financial is frozen (month-end close)' });
    assert.deepEqual(freezeForHotfix(monthEnd, 'checkout'), NOT_FROZEN);
    assert.deepEqual(freezeForHotfix(monthEnd, null), NOT_FROZEN);
    assert.equal(freezeForHotfix({ full: true, modules: [], lunarNewYear: true, sources: [] }, null).lunarNewYear, true);
  });

  test('one deploy at a time per incident, unless the last one was abandoned long ago', () => {
    const now = at('2026-11-26T05:00:00Z');
    assertDeployable({ id: 2, status: 'open', updatedAt: now }, now, 60_000);
    assert.equal(refusal(() => assertDeployable({ id: 2, status: 'deploying', updatedAt: at('2026-11-26T04:59:30Z') }, now, 60_000)).code, 'conflict');
    assertDeployable({ id: 2, status: 'deploying', updatedAt: at('2026-11-26T04:58:00Z') }, now, 60_000);
    assert.match(refusal(() => assertDeployable({ id: 2, status: 'deployed', updatedAt: now }, now, 60_000)).message, /hotfix 2 is deployed; a deploy to PROD needs it open/);
  });

  test('outside a freeze no approval is needed', () => {
    assert.equal(approvalVerdict({ freeze: NOT_FROZEN, priority: 'P2', approvals: [] }).ok, true);
  });

  test('in a freeze: an admin and another admin, manager or cto', () => {
    const verdict = (...approvals: HotfixApproval[]) => approvalVerdict({ freeze: FROZEN, priority: 'P2', approvals });
    assert.equal(verdict().ok, false);
    assert.equal(verdict(person('alice', 'admin')).ok, false);
    assert.equal(verdict(person('bob', 'manager'), person('carol', 'cto')).ok, false, 'no admin among them');
    assert.equal(verdict(person('alice', 'admin'), person('bob', 'manager')).ok, true);
    assert.equal(verdict(person('alice', 'admin'), person('dave', 'admin')).ok, true);
    assert.equal(verdict(person('carol', 'cto'), person('alice', 'admin')).ok, true, 'in any order');
    assert.match(verdict(person('alice', 'admin')).reason, /two different people, one an admin and the other an admin, manager or cto \(approved by: alice \(admin\)\)/);
  });

  test('the Lunar New Year freeze: P1 only, with a cto among the approvers', () => {
    assert.match(approvalVerdict({ freeze: LNY, priority: 'P2', approvals: [person('a', 'admin'), person('c', 'cto')] }).reason, /only P1 hotfixes may go, and this one is P2/);
    assert.match(approvalVerdict({ freeze: LNY, priority: 'P1', approvals: [person('a', 'admin'), person('m', 'manager')] }).reason, /needs a cto's sign-off/);
    assert.equal(approvalVerdict({ freeze: LNY, priority: 'P1', approvals: [person('a', 'admin'), person('c', 'cto')] }).ok, true);
  });

  test('property: one person never satisfies the rule, whatever roles they hold; more approvals never undo a yes', () => {
    const roleSets = fc.subarray([...ROLES], { minLength: 1 });
    const approvalsArb = fc.uniqueArray(fc.record({ approver: fc.constantFrom('a', 'b', 'c', 'd'), roles: roleSets }), { selector: (a) => a.approver, maxLength: 4 });
    fc.assert(
      fc.property(fc.constantFrom(FROZEN, LNY), fc.constantFrom('P1' as const, 'P2' as const), approvalsArb, approvalsArb, (freeze, priority, first, more) => {
        const single = first.slice(0, 1);
        assert.equal(approvalVerdict({ freeze, priority, approvals: single }).ok, false);
        if (approvalVerdict({ freeze, priority, approvals: first }).ok) {
          const extra = more.filter((m) => !first.some((f) => f.approver === m.approver));
          assert.equal(approvalVerdict({ freeze, priority, approvals: [...first, ...extra] }).ok, true);
        }
      }),
    );
  });

  test('an approval: once per person, from an admin, manager or cto, while the incident is open', () => {
    const open = { id: 5, status: 'open' as HotfixStatus };
    assertMayApprove(open, person('bob', 'manager'), [person('alice', 'admin')]);
    assert.equal(refusal(() => assertMayApprove(open, person('alice', 'admin'), [person('alice', 'admin')])).code, 'duplicate_approval');
    assert.equal(refusal(() => assertMayApprove(open, person('dev', 'developer'), [])).code, 'forbidden');
    assert.equal(refusal(() => assertMayApprove({ id: 5, status: 'deployed' }, person('bob', 'manager'), [])).code, 'invalid_transition');
  });
});

describe('after the deploy', () => {
  test('UAT ahead or diverged: cherry-pick; same, behind or unknown: update UAT to the hotfix release', () => {
    const modes = Object.fromEntries(VERSION_RELATIONS.map((r) => [r, uatFollowUpMode(r).mode]));
    assert.deepEqual(modes, { same: 'update', uat_ahead: 'cherry_pick', prod_ahead: 'update', diverged: 'cherry_pick', unknown: 'update' });
  });

  test('closing needs the note, and a deployed hotfix its UAT follow-up done', () => {
    const base = { id: 8, status: 'deployed' as HotfixStatus, hasNote: true, uatFollowUp: { status: 'done' as const, mode: 'update' as const } };
    assertClosable(base);
    assert.equal(refusal(() => assertClosable({ ...base, hasNote: false })).code, 'note_required');
    assert.match(refusal(() => assertClosable({ ...base, uatFollowUp: { status: 'pending', mode: 'cherry_pick' } })).message, /UAT is not updated \(cherry-pick pending\)/);
    assertClosable({ ...base, status: 'open', uatFollowUp: null }); // a false alarm, never deployed
    assert.equal(refusal(() => assertClosable({ ...base, status: 'closed' })).code, 'invalid_transition');
  });

  test('every severity maps to a priority', () => {
    for (const severity of SEVERITIES) assert.ok(['P1', 'P2'].includes(priorityOf(severity, DEFAULT_HOTFIX_POLICY)));
  });
});
