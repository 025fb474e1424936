/**
 * The calendars behind the calendar freeze rules: public holidays of a country or region (the
 * maintained `date-holidays` package, which also carries the Chinese lunisolar calendar), the first
 * day of the Lunar New Year, and business days. Pure: no I/O and no clock; answers are computed
 * once per country and year and remembered.
 *
 * Dates here are local calendar dates, "YYYY-MM-DD": which instants they cover depends on the time
 * zone of the system that asks (freeze-rules.ts).
 */
import { createRequire } from 'node:module';
import type Holidays from 'date-holidays';
import { DateTime } from 'luxon';

export const HOLIDAY_TYPES = ['public', 'bank', 'optional', 'school', 'observance'] as const;
export type HolidayType = (typeof HOLIDAY_TYPES)[number];

/** Whose holidays count: a country (ISO 3166-1 alpha-2), optionally one of its regions, and which kinds. */
export type HolidayCalendar = { country: string; region: string | null; types: readonly HolidayType[] };

export type Holiday = { date: string; name: string };

// The library and its data (every country's rules) load on first use, not with every module that
// imports this one: the command line's API commands never need them.
let library: typeof Holidays | null = null;
function holidayLibrary(): typeof Holidays {
  library ??= createRequire(import.meta.url)('date-holidays') as typeof Holidays;
  return library;
}

let catalogueInstance: Holidays | null = null;
const catalogue = () => (catalogueInstance ??= new (holidayLibrary())());

/** Why a country or region code cannot be used, or null when the holiday library knows it. */
export function holidayCalendarProblem(country: string, region: string | null): string | null {
  const countries = catalogue().getCountries('en');
  if (!Object.hasOwn(countries, country)) {
    return `"${country}" is not a country code the holiday calendar knows: use an ISO 3166-1 alpha-2 code in capitals, such as HK, TW, CN, SG, GB or US`;
  }
  if (region === null) return null;
  const regions = catalogue().getStates(country, 'en') ?? {};
  if (!Object.hasOwn(regions, region)) {
    const known = Object.keys(regions);
    return `"${region}" is not a region of ${country} (${countries[country]}) in the holiday calendar; ${known.length ? `known regions: ${known.join(', ')}` : `${country} has no regions: remove region`}`;
  }
  return null;
}

const holidayYears = new Map<string, Holiday[]>();

/** The holidays of one calendar year, in date order (English names where the library has them). */
export function holidaysIn(calendar: HolidayCalendar, year: number): Holiday[] {
  const key = `${calendar.country}/${calendar.region ?? ''}/${[...calendar.types].sort().join(',')}/${year}`;
  let found = holidayYears.get(key);
  if (!found) {
    const Library = holidayLibrary();
    const country = calendar.region ? new Library(calendar.country, calendar.region, { languages: ['en'] }) : new Library(calendar.country, { languages: ['en'] });
    const byDate = new Map<string, string[]>();
    for (const h of country.getHolidays(year)) {
      if (!calendar.types.includes(h.type)) continue;
      const date = h.date.slice(0, 10);
      const names = byDate.get(date) ?? [];
      if (!names.includes(h.name)) names.push(h.name);
      byDate.set(date, names);
    }
    found = [...byDate].sort(([a], [b]) => a.localeCompare(b)).map(([date, names]) => ({ date, name: names.join(' / ') }));
    holidayYears.set(key, found);
  }
  return found;
}

/** The holiday on `date`, if any. */
export function holidayOn(calendar: HolidayCalendar, date: string): Holiday | undefined {
  return holidaysIn(calendar, Number(date.slice(0, 4))).find((h) => h.date === date);
}

let lunarCalendarInstance: Holidays | null = null;
function lunarCalendar(): Holidays {
  if (!lunarCalendarInstance) {
    lunarCalendarInstance = new (holidayLibrary())();
    lunarCalendarInstance.setHoliday('chinese 01-0-01', { name: { en: 'Lunar New Year' }, type: 'public' });
  }
  return lunarCalendarInstance;
}
const lunarNewYears = new Map<number, string>();

/** The first day of the first month of the Chinese calendar in that Gregorian year (late January to mid February). */
export function lunarNewYearDate(year: number): string {
  let date = lunarNewYears.get(year);
  if (!date) {
    const [first] = lunarCalendar().getHolidays(year);
    if (!first) throw new Error(`the Chinese calendar gave no Lunar New Year for ${year}`);
    date = first.date.slice(0, 10);
    lunarNewYears.set(year, date);
  }
  return date;
}

/** Calendar arithmetic on local dates. */
export function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
}

/** Monday to Friday, and not a holiday of the calendar (when one is configured). */
export function isBusinessDay(date: string, calendar: HolidayCalendar | null): boolean {
  const weekday = DateTime.fromISO(date, { zone: 'UTC' }).weekday; // 1 Monday … 7 Sunday
  return weekday <= 5 && !(calendar && holidayOn(calendar, date));
}

/**
 * The last `count` business days of a month, oldest first: counted back from the month's last day,
 * skipping weekends and the calendar's holidays.
 */
export function lastBusinessDays(year: number, month: number, count: number, calendar: HolidayCalendar | null): string[] {
  const days: string[] = [];
  let date = DateTime.fromObject({ year, month, day: 1 }, { zone: 'UTC' }).endOf('month').toISODate()!;
  const first = DateTime.fromObject({ year, month, day: 1 }, { zone: 'UTC' }).toISODate()!;
  while (days.length < count && date >= first) {
    if (isBusinessDay(date, calendar)) days.unshift(date);
    date = addDays(date, -1);
  }
  return days;
}

/** A valid calendar date written YYYY-MM-DD (not 2026-02-30). */
export function isLocalDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value, { zone: 'UTC' }).isValid;
}
