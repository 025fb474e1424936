import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { afterAttempt, backoffMs, channelsFor, classifyHttpStatus, digestKey, isQuietRepeat, sendableInOrder, waitingStateKey, type UnsentDelivery } from './notification-rules.ts';
import { eventMatches, eventsMatching } from './templates/notified-events.ts';

const policy = { maxAttempts: 4, firstDelayMs: 30_000, maxDelayMs: 100_000 };
const now = new Date('2026-11-26T12:00:00Z');

describe('delivery rules', () => {
  test('HTTP answers: 2xx sent; 408, 425, 429 and 5xx retried; other 4xx refused for good', () => {
    assert.deepEqual(
      [200, 204, 400, 401, 403, 404, 408, 410, 425, 429, 500, 502, 503].map((s) => [s, classifyHttpStatus(s)]),
      [
        [200, 'sent'],
        [204, 'sent'],
        [400, 'failed'],
        [401, 'failed'],
        [403, 'failed'],
        [404, 'failed'],
        [408, 'retry'],
        [410, 'failed'],
        [425, 'retry'],
        [429, 'retry'],
        [500, 'retry'],
        [502, 'retry'],
        [503, 'retry'],
      ],
    );
  });

  test('backoff doubles from the first delay up to the cap', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffMs(n, policy)), [30_000, 60_000, 100_000, 100_000, 100_000]);
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), (n) => backoffMs(n, policy) <= policy.maxDelayMs && backoffMs(n + 1, policy) >= backoffMs(n, policy)));
  });

  test('after an attempt: sent; refused for good at once; retried after the longer of backoff and retry_after; given up at maxAttempts', () => {
    assert.deepEqual(afterAttempt({ kind: 'sent', answer: 'ok', externalId: '1:2' }, 1, now, policy), { status: 'sent', externalId: '1:2', answer: 'ok' });
    assert.deepEqual(afterAttempt({ kind: 'failed', answer: 'HTTP 400: Bad Request: chat not found' }, 1, now, policy), {
      status: 'failed',
      lastError: 'the channel refused the message, and retrying cannot help: HTTP 400: Bad Request: chat not found',
      answer: 'HTTP 400: Bad Request: chat not found',
    });
    assert.deepEqual(afterAttempt({ kind: 'retry', answer: 'HTTP 502', retryAfterMs: null }, 2, now, policy), {
      status: 'pending',
      nextAttemptAt: new Date(now.getTime() + 60_000),
      lastError: 'attempt 2 failed: HTTP 502',
      answer: 'HTTP 502',
    });
    const limited = afterAttempt({ kind: 'retry', answer: 'HTTP 429', retryAfterMs: 300_000 }, 1, now, policy);
    assert.equal(limited.status === 'pending' && limited.nextAttemptAt.toISOString(), '2026-11-26T12:05:00.000Z');
    assert.deepEqual(afterAttempt({ kind: 'retry', answer: 'timeout', retryAfterMs: null }, 4, now, policy), {
      status: 'failed',
      lastError: 'gave up after 4 attempts; the last answer: timeout',
      answer: 'timeout',
    });
  });

  test('event patterns: exact names, prefixes with .*, and *', () => {
    assert.ok(eventMatches('t1.*', 't1.flow1.deployed_uat'));
    assert.ok(!eventMatches('t1.*', 't2.flow1.deployed_prod'));
    assert.ok(!eventMatches('t1', 't1.flow1.deployed_uat'));
    assert.ok(eventMatches('*', 'bug.reported'));
    assert.deepEqual(eventsMatching('rollback.*'), ['rollback.executed', 'rollback.escalated', 'rollback.followup']);
    assert.deepEqual(eventsMatching('t3.*'), []);
    const channels = [{ name: 'a', events: ['bug.*'] }, { name: 'b', events: ['t1.*', 'release.held'] }, { name: 'c', events: ['*'] }];
    assert.deepEqual(channelsFor('release.held', channels).map((c) => c.name), ['b', 'c']);
  });

  test('waiting states: the same held release, freeze or missing fix has the same key; a change gives a new one; one-off events have none', () => {
    const held = (waiting: number[]) => waitingStateKey('release.held', [{ release: 'v1.0.1', waiting: waiting.map((id) => ({ id })), ready: [] }]);
    assert.equal(held([3, 2]), held([2, 3]));
    assert.notEqual(held([2]), held([2, 3]));
    const frozen = (slot: string) => waitingStateKey('run.skipped', [{ slot, reason: 'freeze', detail: `${slot} skipped`, freezes: [{ label: 'Month-end' }] }]);
    assert.equal(frozen('t1'), frozen('t2'), 'T1 and T2 skipped by one freeze: one waiting state');
    assert.equal(waitingStateKey('bug.fix_missing', [{ bug: { id: 4 } }, { bug: { id: 5 } }]), 'bug.fix_missing:4,5');
    assert.equal(waitingStateKey('t1.flow1.deployed_uat', [{}]), null);
    assert.equal(waitingStateKey('hotfix.deployed', [{}]), null);
  });

  test('quiet: a repeat within remindAfter is kept quiet; after it, or with reminders off, it goes', () => {
    const hour = 3_600_000;
    assert.equal(isQuietRepeat(null, now, 12 * hour), false);
    assert.equal(isQuietRepeat(new Date(now.getTime() - 2 * hour), now, 12 * hour), true);
    assert.equal(isQuietRepeat(new Date(now.getTime() - 12 * hour), now, 12 * hour), false);
    assert.equal(isQuietRepeat(new Date(now.getTime() - 1), now, 0), false);
  });

  test("digests: a run's per-bug findings share a key; anything else travels alone", () => {
    assert.equal(digestKey('bug.fix_missing', { runId: 7 }), 'bug.fix_missing:run:7');
    assert.equal(digestKey('bug.conflict', { runId: 7 }), 'bug.conflict:run:7');
    assert.equal(digestKey('bug.conflict', {}), null, 'outside a run');
    assert.equal(digestKey('bug.reported', { runId: 7 }), null);
  });

  test('order per channel: the leading due pending deliveries of each channel, stopping at the first that waits', () => {
    const d = (id: number, channelKey: string, status: UnsentDelivery['status'] = 'pending', due = true): UnsentDelivery => ({ id, channelKey, status, due });
    assert.deepEqual(sendableInOrder([d(1, 'a'), d(2, 'a'), d(3, 'b'), d(4, 'a')]), [1, 2, 3, 4]);
    assert.deepEqual(sendableInOrder([d(1, 'a', 'pending', false), d(2, 'a'), d(3, 'b')]), [3], 'a waits for its retry; b goes');
    assert.deepEqual(sendableInOrder([d(5, 'a'), d(1, 'a', 'sending'), d(6, 'b')]), [6], 'a message being sent holds its channel');
    fc.assert(
      fc.property(fc.array(fc.record({ channel: fc.constantFrom('a', 'b', 'c'), status: fc.constantFrom<'pending' | 'sending'>('pending', 'sending'), due: fc.boolean() }), { maxLength: 30 }), (rows) => {
        const unsent = rows.map((r, i) => d(i + 1, r.channel, r.status, r.due));
        const chosen = new Set(sendableInOrder(unsent));
        // Nothing is chosen while an older message of its channel is not.
        return unsent.every((u) => !chosen.has(u.id) || unsent.filter((o) => o.channelKey === u.channelKey && o.id < u.id).every((o) => chosen.has(o.id)));
      }),
    );
  });
});
