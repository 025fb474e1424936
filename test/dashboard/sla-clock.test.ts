/** The incident page's SLA countdown arithmetic (pure). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slaState, spokenDuration } from '../../web/src/components/sla-clock.ts';

const opened = '2026-11-26T13:00:00.000Z';
const due = '2026-11-26T14:00:00.000Z'; // P1: one hour

test('the countdown runs, warns from half the SLA, and is overdue at the due instant', () => {
  assert.deepEqual(slaState({ openedAt: opened, dueAt: due, stoppedAt: null }, new Date('2026-11-26T13:17:50Z')), { state: 'running', leftMs: 2_530_000, used: 1070 / 3600 });
  assert.equal(slaState({ openedAt: opened, dueAt: due, stoppedAt: null }, new Date('2026-11-26T13:30:00Z')).state, 'warning');
  assert.equal(slaState({ openedAt: opened, dueAt: due, stoppedAt: null }, new Date('2026-11-26T14:00:00Z')).state, 'overdue');
  assert.equal(slaState({ openedAt: opened, dueAt: due, stoppedAt: null }, new Date('2026-11-26T15:00:00Z')).used, 1);
});

test('a stopped clock says whether the SLA was met, whatever the time now', () => {
  const later = new Date('2026-11-27T00:00:00Z');
  assert.deepEqual(slaState({ openedAt: opened, dueAt: due, stoppedAt: '2026-11-26T13:45:00Z' }, later), { state: 'met', leftMs: 900_000, used: 0.75 });
  assert.equal(slaState({ openedAt: opened, dueAt: due, stoppedAt: '2026-11-26T14:05:00Z' }, later).state, 'missed');
});

test('durations in words', () => {
  assert.equal(spokenDuration(2_530_000), '42 min 10 s');
  assert.equal(spokenDuration(3_725_000), '1 h 2 min 5 s');
  assert.equal(spokenDuration(3_600_000), '1 h 0 min 0 s');
  assert.equal(spokenDuration(9_000), '9 s');
  assert.equal(spokenDuration(-5), '0 s');
});
