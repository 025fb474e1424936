import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { formatLocal, instantAt, localDate, minutesBetween, nextSlotAfter, parseLocalTime } from './schedule-rules.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------------
// An oracle built on Intl (the time-zone database as the platform reads it), independent of the
// luxon arithmetic under test.

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(at: Date | number, zone: string): { date: string; time: string; seconds: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}`, seconds: Number(parts.second) };
}

/** The zone's UTC offset at an instant, in ms. */
function offsetAt(at: number, zone: string): number {
  const w = wallClock(at, zone);
  const asUtc = Date.parse(`${w.date}T${w.time}:${String(w.seconds).padStart(2, '0')}Z`);
  return asUtc - Math.floor(at / 1000) * 1000;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/**
 * The slot of `time` on local `date`: the earliest instant whose wall clock reads date+time; when
 * no instant does (skipped by a spring-forward change), the time moved forward by the gap.
 */
function oracleSlot(date: string, time: string, zone: string): { at: number; exists: boolean; gap: number } {
  const naive = Date.parse(`${date}T${time}:00Z`);
  const before = offsetAt(naive - DAY, zone);
  const after = offsetAt(naive + DAY, zone);
  const candidates = [...new Set([before, after])]
    .map((offset) => naive - offset)
    .filter((at) => {
      const w = wallClock(at, zone);
      return w.date === date && w.time === time;
    })
    .sort((a, b) => a - b);
  if (candidates.length > 0) return { at: candidates[0]!, exists: true, gap: 0 };
  return { at: naive - Math.min(before, after), exists: false, gap: Math.abs(after - before) };
}

function expectedNextSlot(after: Date, zone: string, time: string): number {
  const today = wallClock(after, zone).date;
  for (let d = 0; d <= 2; d++) {
    const slot = oracleSlot(addDays(today, d), time, zone).at;
    if (slot > after.getTime()) return slot;
  }
  throw new Error('oracle found no slot');
}

const iso = (ms: number) => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------------

describe('cutoff (DESIGN.md decision 5) in Asia/Hong_Kong', () => {
  const zone = 'Asia/Hong_Kong';
  test('approved at 21:59:59 for a 22:00 T2 runs tonight', () => {
    assert.equal(nextSlotAfter(new Date('2026-11-26T13:59:59Z'), zone, '22:00').toISOString(), '2026-11-26T14:00:00.000Z');
    assert.equal(nextSlotAfter(new Date('2026-11-26T13:59:59.999Z'), zone, '22:00').toISOString(), '2026-11-26T14:00:00.000Z');
  });

  test('approved at 22:00:00 or later runs tomorrow night', () => {
    assert.equal(nextSlotAfter(new Date('2026-11-26T14:00:00Z'), zone, '22:00').toISOString(), '2026-11-27T14:00:00.000Z');
    assert.equal(nextSlotAfter(new Date('2026-11-26T14:00:00.001Z'), zone, '22:00').toISOString(), '2026-11-27T14:00:00.000Z');
    assert.equal(nextSlotAfter(new Date('2026-11-26T15:59:59Z'), zone, '22:00').toISOString(), '2026-11-27T14:00:00.000Z');
  });

  test('approved in the small hours (the previous UTC day) runs that local night', () => {
    // 2026-11-26 01:30 in Hong Kong is 2026-11-25T17:30Z.
    assert.equal(nextSlotAfter(new Date('2026-11-25T17:30:00Z'), zone, '22:00').toISOString(), '2026-11-26T14:00:00.000Z');
  });

  test('the message names the instant in local time', () => {
    assert.match(formatLocal(new Date('2026-11-26T14:00:00Z'), zone), /^2026-11-26 22:00 \S+/);
    assert.equal(localDate(new Date('2026-11-26T16:30:00Z'), zone), '2026-11-27');
  });
});

describe('daylight saving: the 23-hour and 25-hour days', () => {
  const cases: { zone: string; date: string; slots: Record<string, string>; hoursFromSlotBefore: number }[] = [
    // Europe/London 2026-03-29: 01:00 GMT jumps to 02:00 BST. 01:30 does not exist.
    { zone: 'Europe/London', date: '2026-03-29', slots: { '01:30': '2026-03-29T01:30:00.000Z', '02:30': '2026-03-29T01:30:00.000Z', '22:00': '2026-03-29T21:00:00.000Z' }, hoursFromSlotBefore: 23 },
    // America/New_York 2026-03-08: 02:00 EST jumps to 03:00 EDT. 02:30 does not exist.
    { zone: 'America/New_York', date: '2026-03-08', slots: { '01:30': '2026-03-08T06:30:00.000Z', '02:30': '2026-03-08T07:30:00.000Z', '22:00': '2026-03-09T02:00:00.000Z' }, hoursFromSlotBefore: 23 },
    // Europe/London 2026-10-25: 02:00 BST falls back to 01:00 GMT. 01:30 happens twice: the first counts.
    { zone: 'Europe/London', date: '2026-10-25', slots: { '01:30': '2026-10-25T00:30:00.000Z', '02:30': '2026-10-25T02:30:00.000Z', '22:00': '2026-10-25T22:00:00.000Z' }, hoursFromSlotBefore: 25 },
    // America/New_York 2026-11-01: 02:00 EDT falls back to 01:00 EST. 01:30 happens twice.
    { zone: 'America/New_York', date: '2026-11-01', slots: { '01:30': '2026-11-01T05:30:00.000Z', '02:30': '2026-11-01T07:30:00.000Z', '22:00': '2026-11-02T03:00:00.000Z' }, hoursFromSlotBefore: 25 },
    // Australia/Sydney 2026-10-04: 02:00 AEST jumps to 03:00 AEDT; 2026-04-05: 03:00 AEDT falls back to 02:00 AEST.
    { zone: 'Australia/Sydney', date: '2026-10-04', slots: { '01:30': '2026-10-03T15:30:00.000Z', '02:30': '2026-10-03T16:30:00.000Z', '22:00': '2026-10-04T11:00:00.000Z' }, hoursFromSlotBefore: 23 },
    { zone: 'Australia/Sydney', date: '2026-04-05', slots: { '01:30': '2026-04-04T14:30:00.000Z', '02:30': '2026-04-04T15:30:00.000Z', '22:00': '2026-04-05T12:00:00.000Z' }, hoursFromSlotBefore: 25 },
  ];

  for (const c of cases) {
    test(`${c.zone} ${c.date} (${c.hoursFromSlotBefore}-hour day): 01:30, 02:30 and 22:00 slots`, () => {
      for (const [time, expected] of Object.entries(c.slots)) {
        assert.equal(instantAt(c.date, time, c.zone).toISOString(), expected, `instantAt ${c.date} ${time}`);
        // Approved at the same time the evening before: the next slot is that day's.
        const eveBefore = instantAt(addDays(c.date, -1), time, c.zone);
        const next = nextSlotAfter(eveBefore, c.zone, time);
        assert.equal(next.toISOString(), expected, `nextSlotAfter ${time} from the slot the day before`);
        const oracle = oracleSlot(c.date, time, c.zone);
        assert.equal(iso(oracle.at), expected, `oracle for ${time}`);
        if (oracle.exists) {
          assert.equal(wallClock(next, c.zone).time, time, `${time} exists that day and is kept`);
        } else {
          // Moved forward by the gap: 01:30 London → 02:30 BST; 02:30 New York → 03:30 EDT.
          const moved = wallClock(next, c.zone).time;
          assert.equal(minutesBetween(time, moved), oracle.gap / MINUTE, `${time} moved to ${moved}`);
        }
      }
      const slotBefore = instantAt(addDays(c.date, -1), '22:00', c.zone);
      const slot = nextSlotAfter(slotBefore, c.zone, '22:00');
      assert.equal(slot.getTime() - slotBefore.getTime(), c.hoursFromSlotBefore * HOUR, '22:00 to 22:00 across the change');
    });
  }

  test('the twice-occurring 01:30 of a fall-back night runs once: an approval between the two waits a day', () => {
    // 00:45Z on 2026-10-25 is 01:45 BST, after the first 01:30 and before the second (01:30 GMT = 01:30Z).
    const next = nextSlotAfter(new Date('2026-10-25T00:45:00Z'), 'Europe/London', '01:30');
    assert.equal(next.toISOString(), '2026-10-26T01:30:00.000Z');
    // The two 01:30s are told apart when shown to people.
    assert.notEqual(formatLocal(new Date('2026-10-25T00:30:00Z'), 'Europe/London'), formatLocal(new Date('2026-10-25T01:30:00Z'), 'Europe/London'));
  });

  test('an approval in the hour after a spring-forward jump still catches the moved slot that night', () => {
    // New York 2026-03-08 03:10 EDT (07:10Z): the 02:30 slot moved to 03:30 EDT, still ahead.
    assert.equal(nextSlotAfter(new Date('2026-03-08T07:10:00Z'), 'America/New_York', '02:30').toISOString(), '2026-03-08T07:30:00.000Z');
    // At 03:30 EDT itself it has run: the next is 02:30 EDT on 2026-03-09.
    assert.equal(nextSlotAfter(new Date('2026-03-08T07:30:00Z'), 'America/New_York', '02:30').toISOString(), '2026-03-09T06:30:00.000Z');
  });

  const nights: { zone: string; first: string; change: string; hours: number }[] = [
    { zone: 'Europe/London', first: '2026-03-24', change: '2026-03-29', hours: 23 },
    { zone: 'Europe/London', first: '2026-10-20', change: '2026-10-25', hours: 25 },
    { zone: 'America/New_York', first: '2026-03-03', change: '2026-03-08', hours: 23 },
    { zone: 'America/New_York', first: '2026-10-27', change: '2026-11-01', hours: 25 },
    { zone: 'Australia/Sydney', first: '2026-09-29', change: '2026-10-04', hours: 23 },
  ];
  for (const n of nights) {
    test(`10 nights of approvals at 21:59 and 22:00 in ${n.zone} around ${n.change}: each lands on the right night`, () => {
      for (let d = 0; d < 10; d++) {
        const date = addDays(n.first, d);
        const at2159 = oracleSlot(date, '21:59', n.zone).at;
        const at2200 = oracleSlot(date, '22:00', n.zone).at;
        assert.deepEqual(wallClock(at2159, n.zone), { date, time: '21:59', seconds: 0 });

        const tonight = nextSlotAfter(new Date(at2159), n.zone, '22:00');
        assert.deepEqual(wallClock(tonight, n.zone), { date, time: '22:00', seconds: 0 }, `approved ${date} 21:59`);
        assert.equal(tonight.getTime() - at2159, MINUTE);

        const tomorrow = nextSlotAfter(new Date(at2200), n.zone, '22:00');
        const nextDate = addDays(date, 1);
        assert.deepEqual(wallClock(tomorrow, n.zone), { date: nextDate, time: '22:00', seconds: 0 }, `approved ${date} 22:00`);
        assert.equal(tomorrow.getTime() - at2200, (nextDate === n.change ? n.hours : 24) * HOUR, `approved ${date} 22:00`);
        assert.match(formatLocal(tomorrow, n.zone), new RegExp(`^${nextDate} 22:00 `));
      }
    });
  }
});

describe('nextSlotAfter: property over instants, zones and slot times', () => {
  const ZONES = ['America/New_York', 'Europe/London', 'Australia/Sydney', 'Asia/Hong_Kong', 'Asia/Kolkata', 'UTC'] as const;
  // Instants near the 2026 changes, where the arithmetic is hardest.
  const CHANGES = ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z', '2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-10-03T16:00:00Z', '2026-04-04T16:00:00Z'].map(Date.parse);

  const timeArb = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(0, 1, 15, 30, 59)),
  ).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);

  const instantArb = fc.oneof(
    fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.getTime()),
    fc.tuple(fc.constantFrom(...CHANGES), fc.integer({ min: -2 * DAY, max: 2 * DAY })).map(([c, delta]) => c + delta),
  );

  test('strictly after, within 25 hours plus the gap, on the requested wall time unless it does not exist that day', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instantArb, timeArb, fc.constantFrom(-1, 0, 1, null), (zone, base, time, nudge) => {
        // Sometimes approve exactly at, or a millisecond either side of, a slot.
        const afterMs = nudge === null ? base : oracleSlot(wallClock(base, zone).date, time, zone).at + nudge;
        const after = new Date(afterMs);
        const next = nextSlotAfter(after, zone, time);
        const slot = oracleSlot(wallClock(next, zone).date, time, zone);

        assert.ok(next.getTime() > afterMs, `${iso(next.getTime())} is not after ${iso(afterMs)}`);
        assert.ok(next.getTime() - afterMs <= 25 * HOUR + slot.gap, `${(next.getTime() - afterMs) / HOUR} h later`);
        assert.equal(next.getTime(), expectedNextSlot(after, zone, time), `first ${time} slot after ${iso(afterMs)} in ${zone}`);
        if (slot.exists) {
          assert.equal(wallClock(next, zone).time, time);
        } else {
          assert.equal(minutesBetween(time, wallClock(next, zone).time), slot.gap / MINUTE, 'moved forward by the gap');
        }
        assert.equal(wallClock(next, zone).seconds, 0);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('local times', () => {
  test('parseLocalTime takes 24-hour HH:MM only', () => {
    assert.deepEqual(parseLocalTime('00:00'), { hour: 0, minute: 0 });
    assert.deepEqual(parseLocalTime('22:05'), { hour: 22, minute: 5 });
    assert.deepEqual(parseLocalTime('23:59'), { hour: 23, minute: 59 });
    for (const bad of ['24:00', '7:00', '12:60', '22:00:00', '10pm', '', ' 22:00']) assert.equal(parseLocalTime(bad), null, bad);
  });

  test('instantAt refuses a time or date that is not one', () => {
    assert.throws(() => instantAt('2026-11-26', '25:00', 'Asia/Hong_Kong'), /invalid local time "25:00": expected HH:MM/);
    assert.throws(() => instantAt('2026-02-30', '22:00', 'Asia/Hong_Kong'), /invalid date/);
    assert.throws(() => instantAt('2026-11-26', '22:00', 'Mars/Olympus'), /time zone/);
  });

  test('minutesBetween is T2 minus T1 on the same day', () => {
    assert.equal(minutesBetween('20:00', '22:00'), 120);
    assert.equal(minutesBetween('22:00', '20:00'), -120);
    assert.ok(Number.isNaN(minutesBetween('20:00', '22')));
  });

  test('Asia/Kolkata keeps its half-hour offset', () => {
    assert.equal(instantAt('2026-11-26', '22:00', 'Asia/Kolkata').toISOString(), '2026-11-26T16:30:00.000Z');
    assert.match(formatLocal(new Date('2026-11-26T16:30:00Z'), 'Asia/Kolkata'), /^2026-11-26 22:00 /);
  });
});
