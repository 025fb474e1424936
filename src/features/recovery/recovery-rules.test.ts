import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ownership, underHold, type LockHold } from './recovery-rules.ts';

const NOW = new Date('2026-11-26T14:10:00.000Z');
const SINCE = '2026-11-26T14:02:00.000Z';
const lock = (over: Partial<LockHold> = {}): LockHold => ({
  instance: 'host:123:abc',
  holder: 'alice',
  purpose: 'rollback 4 (prod: v1.0.1 → v1.0.0)',
  acquiredAt: '2026-11-26T14:01:00.000Z',
  leaseUntil: '2026-11-26T14:10:30.000Z',
  ...over,
});

describe('whose work is it: the deploy lock it ran under decides', () => {
  test('the lock taken before the work began, its lease renewed into the future: the owner lives, the work is left alone', () => {
    assert.deepEqual(ownership(SINCE, lock(), NOW), { alive: true });
    assert.deepEqual(ownership(SINCE, lock({ acquiredAt: SINCE }), NOW), { alive: true }, 'taken the same instant the work began');
    assert.deepEqual(ownership(SINCE, lock({ leaseUntil: NOW.toISOString() }), NOW), { alive: true }, 'a lease that ends now has not lapsed yet');
  });

  test('a lease that lapsed: its instance stopped renewing it, and the message says which and when', () => {
    const gone = ownership(SINCE, lock({ leaseUntil: '2026-11-26T14:09:59.999Z' }), NOW);
    assert.deepEqual(gone, { alive: false, why: 'the instance host:123:abc stopped renewing the deploy lock it ran under at 2026-11-26T14:09:59.999Z (process stopped or killed)' });
  });

  test('no lock at all: the one it ran under was released when its lease lapsed', () => {
    assert.deepEqual(ownership(SINCE, null, NOW), {
      alive: false,
      why: 'no deploy lock covers it any more: the process that ran it stopped, and its lock was released when its lease lapsed',
    });
  });

  test('a live lock taken after the work began is someone else\'s: the work was orphaned before it', () => {
    const later = lock({ holder: 'tonic', purpose: 'T2 run 12', instance: 'host:456:def', acquiredAt: '2026-11-26T14:05:00.000Z' });
    assert.deepEqual(ownership(SINCE, later, NOW), {
      alive: false,
      why: 'the deploy lock it ran under was released when its process stopped, and has since been taken by tonic (T2 run 12, instance host:456:def)',
    });
  });

  test('property: the owner counts as alive exactly when a lock with a live lease was taken at or before the work began', () => {
    const instant = fc.integer({ min: 0, max: 10_000 }).map((s) => new Date(Date.parse('2026-11-26T14:00:00Z') + s * 1000));
    fc.assert(
      fc.property(instant, instant, instant, instant, fc.boolean(), (since, acquired, lease, now, present) => {
        const hold = present ? lock({ acquiredAt: acquired.toISOString(), leaseUntil: lease.toISOString() }) : null;
        const verdict = ownership(since.toISOString(), hold, now);
        assert.equal(verdict.alive, present && lease >= now && acquired <= since);
        if (!verdict.alive) assert.ok(verdict.why.length > 0);
      }),
    );
  });
});

describe('at shutdown, the work under a lock this process holds is its own', () => {
  test('begun at or after the hold (a rollback inside a run\'s hold, say): its own; begun before: not', () => {
    const hold = { acquiredAt: '2026-11-26T14:01:00.000Z' };
    assert.equal(underHold('2026-11-26T14:01:00.000Z', hold), true);
    assert.equal(underHold('2026-11-26T14:03:00.000Z', hold), true);
    assert.equal(underHold('2026-11-26T14:00:59.999Z', hold), false);
  });
});
