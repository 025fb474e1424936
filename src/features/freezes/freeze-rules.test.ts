import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { holidayCalendarProblem, holidaysIn, isBusinessDay, lastBusinessDays, lunarNewYearDate, type HolidayCalendar } from './freeze-calendar.ts';
import {
  describeFreezes,
  evaluateFreezes,
  freezeCalendar,
  NO_FREEZE_CONFIG,
  parseFreezeInstant,
  parseFreezeSwitch,
  parseModuleList,
  startOfLocalDay,
  type DeclaredFreeze,
  type FreezeConfig,
  type FreezeFlags,
  type FreezeRules,
} from './freeze-rules.ts';

const HK = 'Asia/Hong_Kong';
const rules = (config: Partial<FreezeConfig> = {}, environment: FreezeFlags | null = null): FreezeRules => ({ environment, config: { ...NO_FREEZE_CONFIG, ...config } });
const at = (iso: string) => new Date(iso);
const calendarOf = (country: string, region: string | null = null): HolidayCalendar => ({ country, region, types: ['public'] });
/** An instant from a local wall-clock time in a zone. */
const local = (value: string, zone: string) => DateTime.fromISO(value, { zone }).toJSDate();

describe('Lunar New Year', () => {
  // Known first days of the Lunar New Year (Hong Kong and Taiwan observe the same date).
  const KNOWN = { 2026: '2026-02-17', 2027: '2027-02-06', 2028: '2028-01-26', 2029: '2029-02-13', 2030: '2030-02-03' } as const;

  test('first days 2026 to 2030 from the Chinese calendar', () => {
    for (const [year, date] of Object.entries(KNOWN)) assert.equal(lunarNewYearDate(Number(year)), date, `Lunar New Year ${year}`);
  });

  for (const [where, zone] of [
    ['Hong Kong', 'Asia/Hong_Kong'],
    ['Taiwan', 'Asia/Taipei'],
  ] as const) {
    test(`${where}: the first three days are a full freeze, from midnight to midnight in ${zone}, 2026 to 2030`, () => {
      const r = rules({ lunarNewYear: { days: 3 } });
      for (const date of Object.values(KNOWN)) {
        const first = DateTime.fromISO(date, { zone });
        const eve = evaluateFreezes(first.minus({ milliseconds: 1 }).toJSDate(), zone, r, []);
        assert.equal(eve.full, false, `the eve of ${date} is not frozen`);
        for (const [hour, frozen] of [
          [0, true],
          [22, true],
          [48 + 22, true],
          [72, false],
        ] as const) {
          const state = evaluateFreezes(first.plus({ hours: hour }).toJSDate(), zone, r, []);
          assert.equal(state.full, frozen, `${date} + ${hour} h`);
          assert.equal(state.lunarNewYear, frozen, `${date} + ${hour} h`);
          if (frozen) {
            assert.equal(state.sources[0]?.start, first.toJSDate().toISOString());
            assert.equal(state.sources[0]?.end, first.plus({ days: 3 }).toJSDate().toISOString());
          }
        }
      }
    });
  }

  test('Taiwan\'s public holidays include the first day; Hong Kong\'s include it unless it is a Sunday (2030: substitute days)', () => {
    for (const date of Object.values(KNOWN)) {
      const year = Number(date.slice(0, 4));
      assert.ok(holidaysIn(calendarOf('TW'), year).some((h) => h.date === date), `TW ${date}`);
      const sunday = DateTime.fromISO(date).weekday === 7;
      assert.equal(holidaysIn(calendarOf('HK'), year).some((h) => h.date === date), !sunday, `HK ${date}`);
    }
  });

  test('the number of days is configurable', () => {
    const r = rules({ lunarNewYear: { days: 5 } });
    assert.equal(evaluateFreezes(local('2027-02-10T22:00', HK), HK, r, []).lunarNewYear, true, 'day 5');
    assert.equal(evaluateFreezes(local('2027-02-11T00:00', HK), HK, r, []).lunarNewYear, false, 'day 6');
  });
});

describe('month-end financial close', () => {
  const close = (businessDays: number, holidays: HolidayCalendar | null = null) => rules({ monthEndClose: { businessDays, modules: ['financial'] }, holidays });

  test('the last N business days skip the weekend: November 2026 ends on a Monday', () => {
    assert.deepEqual(lastBusinessDays(2026, 11, 2, null), ['2026-11-27', '2026-11-30']);
    const r = close(2);
    assert.deepEqual(evaluateFreezes(local('2026-11-26T22:00', HK), HK, r, []).modules, [], 'Thursday: not yet');
    for (const day of ['2026-11-27T00:00', '2026-11-28T20:00', '2026-11-30T22:00']) {
      const state = evaluateFreezes(local(day, HK), HK, r, []);
      assert.deepEqual(state.modules, ['financial'], day);
      assert.equal(state.full, false, 'only the named modules');
      assert.equal(state.sources[0]?.source, 'month-end');
    }
    assert.deepEqual(evaluateFreezes(local('2026-12-01T00:00', HK), HK, r, []).modules, [], 'lifted with the new month');
  });

  test('holidays of the configured country are not business days: December 2026 in England', () => {
    const england = calendarOf('GB', 'ENG');
    // 25 Christmas (Fri), 26-27 weekend, 28 Boxing Day substitute (Mon).
    assert.deepEqual(lastBusinessDays(2026, 12, 4, england), ['2026-12-24', '2026-12-29', '2026-12-30', '2026-12-31']);
    assert.deepEqual(lastBusinessDays(2026, 12, 4, null), ['2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31'], 'without a holiday calendar only weekends are skipped');
    const state = evaluateFreezes(local('2026-12-24T09:00', 'Europe/London'), 'Europe/London', close(4, england), []);
    assert.deepEqual(state.modules, ['financial']);
  });

  test('Hong Kong, January 2028: the Lunar New Year holidays push the close back to the 24th', () => {
    assert.deepEqual(lastBusinessDays(2028, 1, 3, calendarOf('HK')), ['2028-01-24', '2028-01-25', '2028-01-31']);
  });

  test('property: N business days, all in the month, none a weekend or holiday, and no business day between them left out', () => {
    const calendars = [null, calendarOf('HK'), calendarOf('TW'), calendarOf('GB', 'ENG')];
    fc.assert(
      fc.property(fc.integer({ min: 2026, max: 2032 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 8 }), fc.constantFrom(...calendars), (year, month, n, calendar) => {
        const days = lastBusinessDays(year, month, n, calendar);
        assert.equal(days.length, n);
        const prefix = `${year}-${String(month).padStart(2, '0')}-`;
        for (const d of days) {
          assert.ok(d.startsWith(prefix), d);
          assert.ok(isBusinessDay(d, calendar), d);
        }
        const end = DateTime.fromObject({ year, month }, { zone: 'UTC' }).endOf('month');
        let between = 0;
        for (let d = DateTime.fromISO(days[0]!, { zone: 'UTC' }); d <= end; d = d.plus({ days: 1 })) if (isBusinessDay(d.toISODate()!, calendar)) between++;
        assert.equal(between, n);
      }),
      { numRuns: 150 },
    );
  });
});

describe('DEPLOY_FREEZE_UNTIL lifts at 00:00 of that date in the system\'s zone', () => {
  const until = (date: string, flags: Partial<FreezeFlags> = {}) => rules({}, { all: true, modules: [], until: date, ...flags });

  test('Hong Kong (UTC+8): 2026-02-05 lifts at 2026-02-04T16:00Z', () => {
    const r = until('2026-02-05');
    assert.equal(evaluateFreezes(at('2026-02-04T15:59:59.999Z'), HK, r, []).full, true);
    assert.equal(evaluateFreezes(at('2026-02-04T16:00:00.000Z'), HK, r, []).full, false);
    assert.equal(evaluateFreezes(at('2026-02-04T15:00:00Z'), HK, r, []).sources[0]?.end, '2026-02-04T16:00:00.000Z');
  });

  test('across daylight saving: New York and London before and after their changes, Santiago where midnight is skipped', () => {
    const cases: [string, string, string][] = [
      ['America/New_York', '2026-03-08', '2026-03-08T05:00:00.000Z'], // the spring-forward day still starts on EST
      ['America/New_York', '2026-03-09', '2026-03-09T04:00:00.000Z'], // EDT
      ['America/New_York', '2026-11-02', '2026-11-02T05:00:00.000Z'], // after falling back
      ['Europe/London', '2026-03-29', '2026-03-29T00:00:00.000Z'],
      ['Europe/London', '2026-03-30', '2026-03-29T23:00:00.000Z'], // BST
      ['Europe/London', '2026-10-26', '2026-10-26T00:00:00.000Z'],
      ['America/Santiago', '2026-09-06', '2026-09-06T04:00:00.000Z'], // 00:00 does not exist: the day starts at 01:00
    ];
    for (const [zone, date, lift] of cases) {
      const r = until(date);
      assert.equal(evaluateFreezes(new Date(Date.parse(lift) - 1), zone, r, []).full, true, `${zone} ${date}: frozen just before`);
      assert.equal(evaluateFreezes(at(lift), zone, r, []).full, false, `${zone} ${date}: lifted at ${lift}`);
    }
  });

  test('property: the lift instant is the first instant of that local date, in any zone', () => {
    const zones = ['Asia/Hong_Kong', 'Asia/Taipei', 'Europe/London', 'America/New_York', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham'];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 365 * 6 }), fc.constantFrom(...zones), (offset, zone) => {
        const date = DateTime.fromISO('2026-01-01', { zone: 'UTC' }).plus({ days: offset }).toISODate()!;
        const lift = startOfLocalDay(date, zone);
        assert.equal(DateTime.fromJSDate(lift, { zone }).toISODate(), date);
        assert.notEqual(DateTime.fromJSDate(new Date(lift.getTime() - 1), { zone }).toISODate(), date);
        const r = until(date);
        assert.equal(evaluateFreezes(new Date(lift.getTime() - 1), zone, r, []).full, true);
        assert.equal(evaluateFreezes(lift, zone, r, []).full, false);
      }),
      { numRuns: 200 },
    );
  });

  test('UNTIL alone freezes everything until then; with modules only those; DEPLOY_FREEZE=false turns it off', () => {
    const before = at('2026-02-01T00:00:00Z');
    assert.equal(evaluateFreezes(before, HK, rules({}, { all: null, modules: [], until: '2026-02-05' }), []).full, true);
    const modules = evaluateFreezes(before, HK, rules({}, { all: null, modules: ['financial'], until: '2026-02-05' }), []);
    assert.deepEqual([modules.full, modules.modules], [false, ['financial']]);
    assert.deepEqual(modules.sources[0]?.label, 'environment: DEPLOY_FREEZE_MODULES=financial, DEPLOY_FREEZE_UNTIL=2026-02-05');
    assert.equal(evaluateFreezes(before, HK, rules({}, { all: false, modules: [], until: '2026-02-05' }), []).sources.length, 0);
    const forever = evaluateFreezes(at('2030-01-01T00:00:00Z'), HK, rules({}, { all: true, modules: [], until: null }), []);
    assert.deepEqual([forever.full, forever.sources[0]?.start, forever.sources[0]?.end], [true, null, null]);
  });
});

describe('every source at once', () => {
  const declared = (over: Partial<DeclaredFreeze>): DeclaredFreeze => ({
    id: 1,
    start: '2027-01-20T00:00:00.000Z',
    end: '2027-02-20T00:00:00.000Z',
    modules: [],
    reason: 'data centre move',
    by: 'alice',
    liftedAt: null,
    ...over,
  });
  const everything = rules(
    {
      flags: { all: null, modules: ['reports'], until: null },
      holidays: calendarOf('HK'),
      lunarNewYear: { days: 3 },
      monthEndClose: { businessDays: 3, modules: ['financial'] },
      goLive: { start: '2027-02-08', end: '2027-02-12', label: 'ACME go-live' },
      windows: [{ start: '2027-02-01T00:00:00.000Z', end: '2027-02-28T00:00:00.000Z', modules: ['billing'], reason: 'billing rewrite' }],
    },
    { all: null, modules: ['checkout'], until: '2027-03-01' },
  );

  test('overlapping sources are all reported, each with its own window; the scope is the union', () => {
    const state = evaluateFreezes(local('2027-02-08T22:00', HK), HK, everything, [declared({ modules: ['payments'] })]);
    assert.deepEqual(
      state.sources.map((s) => s.source),
      ['env', 'config', 'declared', 'config', 'lunar-new-year', 'holiday', 'go-live'],
    );
    assert.equal(state.full, true);
    assert.equal(state.lunarNewYear, true);
    assert.deepEqual(state.modules, ['billing', 'checkout', 'payments', 'reports']);
    const holiday = state.sources.find((s) => s.source === 'holiday')!;
    assert.match(holiday.label, /^public holiday in HK: .*third day of Lunar New Year/);
    assert.equal(holiday.end, local('2027-02-10T00:00', HK).toISOString(), 'the 8th and the substitute day of the 9th are one window');
    assert.match(describeFreezes(state, HK), /^full freeze: Lunar New Year 2027 \(2027-02-06, first 3 days\), until 2027-02-09 00:00 GMT\+8; public holiday in HK: .*; modules billing, checkout, payments, reports frozen: /);
  });

  test('a lifted declared freeze ends when it was lifted; its end is exclusive', () => {
    const lifted = declared({ liftedAt: '2027-01-25T00:00:00.000Z' });
    const r = rules();
    assert.equal(evaluateFreezes(at('2027-01-24T23:59:59Z'), HK, r, [lifted]).full, true);
    assert.equal(evaluateFreezes(at('2027-01-25T00:00:00Z'), HK, r, [lifted]).full, false);
    assert.equal(evaluateFreezes(at('2027-02-20T00:00:00Z'), HK, r, [declared({})]).full, false);
    assert.match(evaluateFreezes(at('2027-02-01T00:00:00Z'), HK, r, [declared({})]).sources[0]!.label, /^data centre move \(declared by alice, #1\)$/);
  });

  test('the calendar merges each source\'s touching windows and labels them: Taiwan\'s six Lunar New Year holidays are one window', () => {
    const cal = freezeCalendar(at('2027-01-01T00:00:00Z'), 60, 'Asia/Taipei', rules({ holidays: calendarOf('TW'), lunarNewYear: { days: 3 } }), []);
    const lny = cal.windows.filter((w) => w.start && w.start >= '2027-02-01' && w.start < '2027-02-15');
    assert.deepEqual(
      lny.map((w) => [w.source, w.start, w.end]),
      [
        ['holiday', local('2027-02-05T00:00', 'Asia/Taipei').toISOString(), local('2027-02-11T00:00', 'Asia/Taipei').toISOString()],
        ['lunar-new-year', local('2027-02-06T00:00', 'Asia/Taipei').toISOString(), local('2027-02-09T00:00', 'Asia/Taipei').toISOString()],
      ],
    );
    assert.match(lny[0]!.label, /Chinese New Year's Eve, Chinese New Year, .*Chinese New Year Holiday$/);
    assert.equal(cal.to, '2027-03-02T00:00:00.000Z');
  });

  test('property: the freezes in force at any instant are exactly the calendar windows around it', () => {
    const from = at('2026-11-20T00:00:00Z');
    const decl = [declared({ modules: ['payments'] }), declared({ id: 2, start: '2026-12-05T10:00:00.000Z', end: '2026-12-06T10:00:00.000Z', reason: 'maintenance' })];
    const cal = freezeCalendar(from, 120, HK, everything, decl);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 119 * 24 * 60 }), (minutes) => {
        const t = new Date(from.getTime() + minutes * 60_000);
        const expected = cal.windows.filter((w) => (w.start === null || Date.parse(w.start) <= t.getTime()) && (w.end === null || t.getTime() < Date.parse(w.end)));
        assert.deepEqual(evaluateFreezes(t, HK, everything, decl).sources, expected);
      }),
      { numRuns: 300 },
    );
  });

  test('a go-live week includes its last date', () => {
    const r = rules({ goLive: { start: '2027-03-01', end: '2027-03-05', label: 'ACME go-live' } });
    assert.equal(evaluateFreezes(local('2027-03-05T23:59', HK), HK, r, []).full, true);
    assert.equal(evaluateFreezes(local('2027-03-06T00:00', HK), HK, r, []).full, false);
    assert.equal(evaluateFreezes(local('2027-02-28T23:59', HK), HK, r, []).full, false);
  });
});

describe('reading what people write', () => {
  test('freeze instants: a date is local midnight, a local time is in the zone, an offset is exact', () => {
    assert.equal(parseFreezeInstant('2026-02-05', HK)?.toISOString(), '2026-02-04T16:00:00.000Z');
    assert.equal(parseFreezeInstant('2026-02-05T18:30', HK)?.toISOString(), '2026-02-05T10:30:00.000Z');
    assert.equal(parseFreezeInstant('2026-02-05T18:30:00Z', HK)?.toISOString(), '2026-02-05T18:30:00.000Z');
    assert.equal(parseFreezeInstant('2026-02-05T18:30:00+01:00', HK)?.toISOString(), '2026-02-05T17:30:00.000Z');
    for (const bad of ['2026-02-30', '2026-2-5', 'tomorrow', '', '2026-02-05 18:30', '2026-13-01T00:00Z']) assert.equal(parseFreezeInstant(bad, HK), null, bad);
  });

  test('DEPLOY_FREEZE switches and module lists', () => {
    assert.deepEqual(['true', 'TRUE', '1', 'yes', 'on', 'false', '0', 'no', 'off'].map(parseFreezeSwitch), [true, true, true, true, true, false, false, false, false]);
    assert.equal(parseFreezeSwitch('maybe'), undefined);
    assert.deepEqual(parseModuleList(' financial, billing,,financial '), ['billing', 'financial']);
  });

  test('country and region codes are checked against the holiday library', () => {
    assert.equal(holidayCalendarProblem('HK', null), null);
    assert.equal(holidayCalendarProblem('US', 'CA'), null);
    assert.match(holidayCalendarProblem('XX', null)!, /^"XX" is not a country code the holiday calendar knows/);
    assert.match(holidayCalendarProblem('US', 'ZZ')!, /^"ZZ" is not a region of US \(United States of America\) .*known regions: .*CA/);
  });
});
