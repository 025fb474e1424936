import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scheduleAdvice } from './schedule-advice.ts';

const from = new Date('2027-01-01T00:00:00Z');

test('evening slots in a zone without daylight saving need no advice', () => {
  assert.deepEqual(scheduleAdvice({ t1: '20:00', t2: '22:00', timeZone: 'Asia/Hong_Kong', minGapMinutes: 60 }, from), []);
});

test('a slot inside business hours is pointed out', () => {
  const advice = scheduleAdvice({ t1: '10:00', t2: '22:00', timeZone: 'Asia/Hong_Kong', minGapMinutes: 60 }, from);
  assert.deepEqual(advice.map((a) => a.message), ['T1 at 10:00 is inside business hours (09:00–18:00 Asia/Hong_Kong): SEED.md puts deploys off-peak, unless urgency demands otherwise']);
});

test('New York: 02:30 is skipped in March and 01:30 repeats in November; the gap shrinks on the spring night', () => {
  const skipped = scheduleAdvice({ t1: '01:00', t2: '02:30', timeZone: 'America/New_York', minGapMinutes: 60 }, from).map((a) => a.message);
  assert.ok(skipped.includes('T2 at 02:30 does not exist on 2027-03-14 in America/New_York (clocks jump forward): that night it runs later by the gap; pick a time outside the change'), skipped.join('\n'));
  assert.ok(skipped.includes('T1 at 01:00 happens twice on 2027-11-07 in America/New_York (clocks fall back): it runs at the first; pick a time outside the change'), skipped.join('\n'));

  const short = scheduleAdvice({ t1: '01:00', t2: '03:00', timeZone: 'America/New_York', minGapMinutes: 90 }, from).map((a) => a.message);
  assert.ok(short.includes('on 2027-03-14 daylight saving leaves less than 90 minutes between T1 and T2 in America/New_York: people have less time to validate UAT'), short.join('\n'));
});

test('a T2 after midnight counts the gap into the next day', () => {
  assert.deepEqual(scheduleAdvice({ t1: '23:00', t2: '00:30', timeZone: 'Asia/Tokyo', minGapMinutes: 60 }, from), []);
});
