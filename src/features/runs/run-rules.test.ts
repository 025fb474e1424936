import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { BUG_STATUSES } from '../bugs/bug-statuses.ts';
import { chooseFlow } from '../environments/flow-rules.ts';
import { decideT1, interruptedRunProgress, isDue, promotionVerdict, type ReleaseMember, type T1Candidate } from './run-rules.ts';

const UAT = { version: 'v1.0.0', commit: 'a'.repeat(40) };
const PROD = { version: 'v1.0.0', commit: 'b'.repeat(40) };
const SAME = chooseFlow('same', UAT, PROD);
const UAT_AHEAD = chooseFlow('uat_ahead', UAT, PROD);
const PROD_AHEAD = chooseFlow('prod_ahead', UAT, PROD);
const UNKNOWN = chooseFlow('unknown', UAT, PROD);

const bug = (over: Partial<T1Candidate> = {}): T1Candidate => ({ id: 7, status: 'confirmed', fixFlow: 'flow1', flowOverrideReason: null, hasFix: true, ...over });

describe('decideT1: the version check runs again at T1 (decision 1)', () => {
  test('the answer has not changed: the bug goes its confirmed way, no re-route', () => {
    assert.deepEqual(decideT1(bug(), SAME), { id: 7, take: 'flow1', reroute: null });
    assert.deepEqual(decideT1(bug({ fixFlow: 'flow2' }), UAT_AHEAD), { id: 7, take: 'flow2', reroute: null });
  });

  test('UAT moved ahead since confirmation: the Flow 1 bug is re-routed to Flow 2, with the reason', () => {
    const d = decideT1(bug({ fixFlow: 'flow1' }), UAT_AHEAD);
    assert.equal(d.take, 'flow2');
    assert.ok(d.take !== null);
    assert.deepEqual(d.reroute, { from: 'flow1', to: 'flow2', reason: UAT_AHEAD.reason });
  });

  test('UAT caught up since confirmation: the Flow 2 bug is re-routed to Flow 1', () => {
    const d = decideT1(bug({ fixFlow: 'flow2' }), SAME);
    assert.ok(d.take !== null);
    assert.equal(d.take, 'flow1');
    assert.deepEqual(d.reroute, { from: 'flow2', to: 'flow1', reason: SAME.reason });
  });

  test('a bug that was waiting with no flow gets one once a flow is safe', () => {
    const d = decideT1(bug({ fixFlow: null }), SAME);
    assert.ok(d.take !== null);
    assert.deepEqual(d.reroute, { from: null, to: 'flow1', reason: SAME.reason });
  });

  test('an admin override stands: a bug whose flow was chosen by override is not re-routed', () => {
    assert.deepEqual(decideT1(bug({ fixFlow: 'flow1', flowOverrideReason: 'hotfix line is frozen' }), UAT_AHEAD), { id: 7, take: 'flow1', reroute: null });
    assert.deepEqual(decideT1(bug({ fixFlow: 'flow2', flowOverrideReason: 'UAT is being rebuilt' }), SAME), { id: 7, take: 'flow2', reroute: null });
  });

  test('PROD ahead of UAT: no flow is safe; the bug waits with "sync UAT first", and that is not a missing fix', () => {
    const d = decideT1(bug(), PROD_AHEAD);
    assert.equal(d.take, null);
    assert.ok(d.take === null);
    assert.match(d.reason, /UAT is behind PROD: sync UAT first/);
    assert.equal(d.missingFix, false);
    const unknown = decideT1(bug(), UNKNOWN);
    assert.ok(unknown.take === null);
    assert.equal(unknown.missingFix, false);
  });

  test('no fix attached: skipped with a reminder that says how to attach one', () => {
    const d = decideT1(bug({ hasFix: false }), SAME);
    assert.ok(d.take === null);
    assert.equal(d.missingFix, true);
    assert.match(d.reason, /no fix is attached/);
    assert.match(d.reason, /attach/);
  });

  test('property: a decision always names the bug; a taken bug has a fix; a re-route always lands on the safe flow', () => {
    const choices = [SAME, UAT_AHEAD, PROD_AHEAD, UNKNOWN, chooseFlow('diverged', UAT, PROD)];
    fc.assert(
      fc.property(
        fc.record({
          id: fc.integer({ min: 1, max: 10_000 }),
          status: fc.constantFrom('confirmed' as const, 'planned' as const),
          fixFlow: fc.constantFrom('flow1' as const, 'flow2' as const, null),
          flowOverrideReason: fc.option(fc.string({ minLength: 1 }), { nil: null }),
          hasFix: fc.boolean(),
        }),
        fc.constantFrom(...choices),
        (candidate, choice) => {
          const d = decideT1(candidate, choice);
          assert.equal(d.id, candidate.id);
          if (d.take !== null) {
            assert.equal(candidate.hasFix, true);
            if (d.reroute) {
              assert.equal(d.reroute.to, choice.flow);
              assert.equal(d.take, choice.flow);
              assert.notEqual(d.reroute.from, d.reroute.to);
            } else {
              assert.equal(d.take, candidate.fixFlow ?? choice.flow);
            }
            // Without an override the bug always follows the version check.
            if (candidate.flowOverrideReason === null) assert.equal(d.take, choice.flow);
          } else {
            assert.ok(d.reason.length > 0);
          }
        },
      ),
    );
  });
});

describe('promotionVerdict: T2 promotes the UAT release as is, only when every bug in it is approved in time (decision 3)', () => {
  const slot = new Date('2026-11-26T14:00:00.000Z');
  const member = (id: number, over: Partial<ReleaseMember> = {}): ReleaseMember => ({ id, status: 'pending_prod', inRelease: true, runsAt: '2026-11-26T14:00:00.000Z', ...over });

  test('every bug approved before the cutoff: promote, all ready', () => {
    assert.deepEqual(promotionVerdict([member(1), member(2, { runsAt: '2026-11-25T14:00:00.000Z' })], slot), { promote: true, ready: [1, 2], waiting: [] });
  });

  test('one bug not approved yet holds the whole release back, and the verdict says which', () => {
    const v = promotionVerdict([member(1), member(2, { status: 'deployed_uat', runsAt: null })], slot);
    assert.equal(v.promote, false);
    assert.deepEqual(v.ready, [1]);
    assert.deepEqual(v.waiting.map((w) => w.id), [2]);
    assert.match(v.waiting[0]!.reason, /not approved yet/);
  });

  test('a bug approved after this T2 (it runs at the next one) holds the release back and names when it runs', () => {
    const v = promotionVerdict([member(1), member(2, { runsAt: '2026-11-27T14:00:00.000Z' })], slot);
    assert.equal(v.promote, false);
    assert.deepEqual(v.waiting.map((w) => w.id), [2]);
    assert.match(v.waiting[0]!.reason, /after this T2's cutoff/);
    assert.match(v.waiting[0]!.reason, /2026-11-27T14:00:00\.000Z/);
  });

  test('a bug dropped from the release holds it back with the reason that the next T1 rebuilds it', () => {
    const v = promotionVerdict([member(1), member(2, { status: 'confirmed', inRelease: false, runsAt: null })], slot);
    assert.equal(v.promote, false);
    assert.match(v.waiting[0]!.reason, /dropped from the release \(now confirmed\)/);
  });

  test('nothing ready: nothing promoted', () => {
    assert.deepEqual(promotionVerdict([], slot), { promote: false, ready: [], waiting: [] });
    assert.equal(promotionVerdict([member(1, { status: 'deployed_prod' })], slot).promote, false);
  });

  test('property: promote exactly when something is ready and nothing waits; every bug in the release is ready, waiting or already past', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            id: fc.integer({ min: 1, max: 500 }),
            status: fc.constantFrom(...BUG_STATUSES),
            inRelease: fc.boolean(),
            runsAt: fc.option(fc.integer({ min: -3, max: 3 }).map((d) => new Date(slot.getTime() + d * 3_600_000).toISOString()), { nil: null }),
          }),
          { selector: (m) => m.id, maxLength: 8 },
        ),
        (members) => {
          const v = promotionVerdict(members, slot);
          assert.equal(v.promote, v.ready.length > 0 && v.waiting.length === 0);
          for (const id of v.ready) {
            const m = members.find((x) => x.id === id)!;
            assert.equal(m.status, 'pending_prod');
            assert.ok(m.runsAt === null || new Date(m.runsAt) <= slot, 'ready only when approved for this slot or earlier');
          }
          for (const m of members) {
            if (!m.inRelease || m.status === 'deployed_uat') assert.ok(v.waiting.some((w) => w.id === m.id));
          }
        },
      ),
    );
  });
});

describe('isDue: a queued bug belongs to the first T2 at or after its runsAt', () => {
  const slot = new Date('2026-03-29T21:00:00.000Z');
  test('at the slot instant, or earlier: due; later or not queued: not due', () => {
    assert.equal(isDue('2026-03-29T21:00:00.000Z', slot), true);
    assert.equal(isDue('2026-03-28T22:00:00.000Z', slot), true, 'a bug left over from an earlier night is due');
    assert.equal(isDue('2026-03-29T21:00:00.001Z', slot), false);
    assert.equal(isDue('2026-03-30T21:00:00.000Z', slot), false);
    assert.equal(isDue(null, slot), false);
  });
});

describe('interruptedRunProgress: a run whose process stopped, read back from the database (decision record 0024)', () => {
  test('what it built and deployed is done; a deploy left running is not; the steps in between are owed to the bugs\' history', () => {
    const progress = interruptedRunProgress({
      releases: [{ version: 'v1.0.1', kind: 'flow1', targetEnv: 'uat' }],
      deployments: [
        { id: 4, env: 'uat', status: 'succeeded', version: 'v1.0.1' },
        { id: 5, env: 'prod', status: 'unknown', version: 'v1.0.1' },
      ],
    });
    assert.deepEqual(progress.done, ['built v1.0.1 (flow1) for uat', 'deployed v1.0.1 to uat (deployment 4)']);
    assert.deepEqual(progress.notDone, [
      'the deploy of v1.0.1 to prod did not finish (deployment 5: unknown)',
      "what follows a deploy may not all have run (moving its bugs, the message, smoke and monitoring): each bug's history shows where it stands",
    ]);
  });

  test('nothing deployed (it stopped while building): nothing done on the environments', () => {
    assert.deepEqual(interruptedRunProgress({ releases: [], deployments: [] }), { done: [], notDone: ['nothing was deployed; the bugs the run had not moved stay where they were'] });
    const failed = interruptedRunProgress({ releases: [], deployments: [{ id: 2, env: 'uat', status: 'failed', version: 'v1.0.2' }] });
    assert.deepEqual(failed.done, ['the deploy of v1.0.2 to uat failed (deployment 2)']);
  });
});
