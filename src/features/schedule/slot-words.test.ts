import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { approvedAfterCutoff, localDay, runsAtInWords, slotInWords, zoneAbbreviation } from './slot-words.ts';

const HK = 'Asia/Hong_Kong';

describe('slot instants in words', () => {
  test('a T2 later the same local day is tonight; the next local day is tomorrow; later, the day', () => {
    const t2 = new Date('2026-11-26T14:00:00Z'); // 22:00 in Hong Kong
    assert.equal(slotInWords(t2, new Date('2026-11-26T13:59:00Z'), HK), 'tonight at 22:00 HKT');
    assert.equal(slotInWords(new Date('2026-11-27T14:00:00Z'), new Date('2026-11-26T14:00:00Z'), HK), 'tomorrow at 22:00 HKT');
    assert.equal(slotInWords(new Date('2026-11-28T14:00:00Z'), new Date('2026-11-26T02:00:00Z'), HK), 'on Sat 28 Nov at 22:00 HKT');
    assert.equal(slotInWords(t2, new Date('2026-11-26T15:00:00Z'), HK), 'was due at 22:00 HKT on Thu 26 Nov');
  });

  test('"tomorrow" follows the system zone, not UTC: 01:00 UTC is already the next day in Hong Kong', () => {
    // Now: 2026-11-26 23:30 UTC = 27 Nov 07:30 HKT; the T2 of 27 Nov 22:00 HKT is tonight there.
    assert.equal(slotInWords(new Date('2026-11-27T14:00:00Z'), new Date('2026-11-26T23:30:00Z'), HK), 'tonight at 22:00 HKT');
    assert.equal(localDay(new Date('2026-11-26T23:30:00Z'), HK), '2026-11-27');
  });

  test('the zone is named, with summer time where it applies', () => {
    assert.equal(zoneAbbreviation(new Date('2026-07-01T12:00:00Z'), 'Europe/London'), 'BST');
    assert.equal(zoneAbbreviation(new Date('2026-12-01T12:00:00Z'), 'Europe/London'), 'GMT');
    assert.equal(zoneAbbreviation(new Date('2026-12-01T12:00:00Z'), 'America/New_York'), 'EST');
    assert.match(zoneAbbreviation(new Date('2026-12-01T12:00:00Z'), 'Asia/Kolkata'), /^(IST|GMT\+5:30)$/);
  });

  test('an approval at or after the day\'s T2 is after the cutoff (decision 5)', () => {
    assert.equal(approvedAfterCutoff(new Date('2026-11-26T13:59:59Z'), '22:00', HK), false);
    assert.equal(approvedAfterCutoff(new Date('2026-11-26T14:00:00Z'), '22:00', HK), true);
    const now = new Date('2026-11-26T14:05:00Z');
    assert.equal(
      runsAtInWords({ runsAt: new Date('2026-11-27T14:00:00Z'), now, timeZone: HK, t2: '22:00', approvedAt: new Date('2026-11-26T14:01:00Z') }),
      'after the cutoff: runs tomorrow at 22:00 HKT',
    );
    assert.equal(
      runsAtInWords({ runsAt: new Date('2026-11-26T14:00:00Z'), now: new Date('2026-11-26T10:00:00Z'), timeZone: HK, t2: '22:00', approvedAt: new Date('2026-11-26T09:00:00Z') }),
      'runs tonight at 22:00 HKT',
    );
  });
});
