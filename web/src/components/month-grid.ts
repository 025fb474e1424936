/**
 * The freeze calendar's month view, as pure functions of calendar dates ("YYYY-MM-DD") and the
 * system's time zone: the weeks of a month (Monday first) and the local days a freeze window
 * covers. Intl only (slot-words.ts), no time-zone library in the bundle.
 */
import { localDay } from '../../../src/features/schedule/slot-words.ts';

export type Month = { year: number; month: number };

const pad = (n: number) => String(n).padStart(2, '0');

export function dayOf(year: number, month: number, day: number): string {
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** The month `offset` months after the one `day` is in (month 1..12). */
export function monthOf(day: string, offset = 0): Month {
  const total = Number(day.slice(0, 4)) * 12 + (Number(day.slice(5, 7)) - 1) + offset;
  return { year: Math.floor(total / 12), month: (total % 12) + 1 };
}

export function daysInMonth({ year, month }: Month): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The weeks of a month, Monday first; null for the days of the neighbouring months. */
export function monthWeeks(m: Month): (string | null)[][] {
  const firstWeekday = (new Date(Date.UTC(m.year, m.month - 1, 1)).getUTCDay() + 6) % 7; // Monday 0
  const cells: (string | null)[] = Array.from({ length: firstWeekday }, () => null);
  for (let d = 1; d <= daysInMonth(m); d++) cells.push(dayOf(m.year, m.month, d));
  while (cells.length % 7) cells.push(null);
  const weeks: (string | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

/** Whole days from `from` to `to` (calendar dates). */
export function daysFrom(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/**
 * The first and last local day a window touches. A window ends at an instant (exclusive): one
 * that ends at 00:00 does not cover that day. null start or end: open on that side.
 */
export function windowDays(w: { start: string | null; end: string | null }, timeZone: string): { first: string; last: string } {
  const first = w.start ? localDay(new Date(w.start), timeZone) : '0000-01-01';
  const last = w.end ? localDay(new Date(Date.parse(w.end) - 1), timeZone) : '9999-12-31';
  return { first, last };
}

export function covers(w: { start: string | null; end: string | null }, day: string, timeZone: string): boolean {
  const { first, last } = windowDays(w, timeZone);
  return first <= day && day <= last;
}

export const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
