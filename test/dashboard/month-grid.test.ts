/** The freeze calendar's month arithmetic, in the system's time zone (pure). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { covers, daysFrom, monthOf, monthWeeks, windowDays } from '../../web/src/components/month-grid.ts';

describe('the freeze calendar month view', () => {
  test('weeks start on Monday; days of the neighbouring months are blank', () => {
    const weeks = monthWeeks({ year: 2026, month: 11 }); // 1 Nov 2026 is a Sunday
    assert.deepEqual(weeks[0], [null, null, null, null, null, null, '2026-11-01']);
    assert.deepEqual(weeks.at(-1), ['2026-11-30', null, null, null, null, null, null]);
    assert.equal(weeks.flat().filter(Boolean).length, 30);
    assert.equal(monthWeeks({ year: 2028, month: 2 }).flat().filter(Boolean).length, 29, 'a leap February');
  });

  test('months after this one cross years', () => {
    assert.deepEqual(monthOf('2026-11-26', 2), { year: 2027, month: 1 });
    assert.deepEqual(monthOf('2026-01-05', -1), { year: 2025, month: 12 });
    assert.equal(daysFrom('2026-11-26', '2027-01-31'), 66);
  });

  test("a window covers the local days of the system's zone; its end is exclusive", () => {
    // 2026-11-30T16:00Z is 1 Dec 00:00 in Hong Kong: a freeze that ends then covers 30 Nov, not 1 Dec.
    const w = { start: '2026-11-27T16:00:00.000Z', end: '2026-11-30T16:00:00.000Z' };
    assert.deepEqual(windowDays(w, 'Asia/Hong_Kong'), { first: '2026-11-28', last: '2026-11-30' });
    assert.deepEqual(windowDays(w, 'UTC'), { first: '2026-11-27', last: '2026-11-30' });
    assert.equal(covers(w, '2026-12-01', 'Asia/Hong_Kong'), false);
    assert.equal(covers(w, '2026-11-27', 'Asia/Hong_Kong'), false);
    assert.equal(covers(w, '2026-11-27', 'UTC'), true);
  });

  test('across a daylight-saving change (London, 25 Oct 2026) the local days stay right', () => {
    const w = { start: '2026-10-24T23:00:00.000Z', end: '2026-10-26T00:00:00.000Z' }; // 25 Oct 00:00 BST to 26 Oct 00:00 GMT
    assert.deepEqual(windowDays(w, 'Europe/London'), { first: '2026-10-25', last: '2026-10-25' });
  });

  test('an open window (a flag in force, no end) covers every day from its start', () => {
    assert.equal(covers({ start: null, end: null }, '2030-01-01', 'Asia/Hong_Kong'), true);
    assert.equal(covers({ start: '2026-11-26T00:00:00Z', end: null }, '2026-11-25', 'UTC'), false);
  });
});
