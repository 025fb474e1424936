/**
 * Schedule arithmetic: pure functions of (instant, time zone, local time). Wall-clock times and
 * daylight saving come from the time-zone database (via luxon); instants are UTC `Date`s.
 */
import { DateTime, IANAZone } from 'luxon';

/** "HH:MM", 24-hour. */
export type LocalTime = string;

const LOCAL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function parseLocalTime(value: string): { hour: number; minute: number } | null {
  const m = LOCAL_TIME.exec(value);
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : null;
}

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/**
 * The instant of `time` on the local calendar date `date` ("YYYY-MM-DD") in `timeZone`.
 * A time that does not exist that day (skipped by a spring-forward change) moves forward by the
 * gap, so 02:30 on a day that jumps from 02:00 to 03:00 becomes 03:30; a time that occurs twice
 * (autumn fall-back) is its first occurrence.
 */
export function instantAt(date: string, time: LocalTime, timeZone: string): Date {
  const t = parseLocalTime(time);
  if (!t) throw new Error(`invalid local time ${JSON.stringify(time)}: expected HH:MM`);
  const day = DateTime.fromISO(date, { zone: timeZone });
  if (!day.isValid) throw new Error(`invalid date ${JSON.stringify(date)} or time zone ${JSON.stringify(timeZone)}`);
  return day.set({ hour: t.hour, minute: t.minute, second: 0, millisecond: 0 }).toJSDate();
}

/**
 * DESIGN.md decision 5, the cutoff: the first occurrence of `time` in `timeZone` strictly after
 * `after`. Approved at 21:59:59 for a 22:00 slot: tonight; at 22:00:00 or later: tomorrow night.
 */
export function nextSlotAfter(after: Date, timeZone: string, time: LocalTime): Date {
  // Every instant from the one last asked about up to the slot it got has that same answer, so a
  // burst of approvals asks the time-zone database once (the answer is unchanged, only remembered).
  const key = `${timeZone} ${time}`;
  const known = lastSlots.get(key);
  const t = after.getTime();
  if (known && known.from <= t && t < known.slot) return new Date(known.slot);
  const slot = computeNextSlotAfter(after, timeZone, time);
  lastSlots.set(key, { from: t, slot: slot.getTime() });
  return slot;
}

const lastSlots = new Map<string, { from: number; slot: number }>();

function computeNextSlotAfter(after: Date, timeZone: string, time: LocalTime): Date {
  const local = DateTime.fromJSDate(after, { zone: timeZone });
  for (let days = 0; days <= 2; days++) {
    const date = local.plus({ days }).toISODate();
    if (!date) break;
    const candidate = instantAt(date, time, timeZone);
    if (candidate.getTime() > after.getTime()) return candidate;
  }
  throw new Error(`no ${time} slot found after ${after.toISOString()} in ${timeZone}`);
}

/** The local calendar date ("YYYY-MM-DD") of an instant in a zone. */
export function localDate(at: Date, timeZone: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone }).toISODate() ?? '';
}

/** For people, in the system's zone: "2026-11-26 22:00 GMT+8". */
export function formatLocal(at: Date, timeZone: string): string {
  // The same few instants (tonight's T2) are formatted over and over: remember recent answers.
  const key = `${timeZone} ${Math.floor(at.getTime() / 60_000)}`;
  const known = formatted.get(key);
  if (known !== undefined) return known;
  const text = formatLocalNow(at, timeZone);
  if (formatted.size >= 1000) formatted.delete(formatted.keys().next().value!);
  formatted.set(key, text);
  return text;
}

const formatted = new Map<string, string>();

function formatLocalNow(at: Date, timeZone: string): string {
  const parts: Record<string, string> = {};
  for (const p of localFormatter(timeZone).formatToParts(at)) parts[p.type] = p.value;
  const hour = parts.hour === '24' ? '00' : parts.hour;
  return `${parts.year}-${parts.month}-${parts.day} ${hour}:${parts.minute} ${parts.timeZoneName}`;
}

// Building an Intl.DateTimeFormat is costly; one per zone serves every call (bug lists format many).
const formatters = new Map<string, Intl.DateTimeFormat>();

function localFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'shortOffset',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Minutes between two local times on the same day (T2 - T1), for the configuration's sanity check. */
export function minutesBetween(from: LocalTime, to: LocalTime): number {
  const a = parseLocalTime(from);
  const b = parseLocalTime(to);
  if (!a || !b) return Number.NaN;
  return b.hour * 60 + b.minute - (a.hour * 60 + a.minute);
}

/** The latest occurrence of `time` in `timeZone` at or before `at`. */
export function latestSlotAtOrBefore(at: Date, timeZone: string, time: LocalTime): Date {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  for (let days = 0; days <= 2; days++) {
    const date = local.minus({ days }).toISODate();
    if (!date) break;
    const candidate = instantAt(date, time, timeZone);
    if (candidate.getTime() <= at.getTime()) return candidate;
  }
  throw new Error(`no ${time} slot found before ${at.toISOString()} in ${timeZone}`);
}

/** Every occurrence of `time` in (after, upTo], oldest first: the slots a scheduler owes. */
export function slotsBetween(after: Date, upTo: Date, timeZone: string, time: LocalTime, limit = 31): Date[] {
  const slots: Date[] = [];
  let cursor = latestSlotAtOrBefore(upTo, timeZone, time);
  while (cursor.getTime() > after.getTime() && slots.length < limit) {
    slots.unshift(cursor);
    cursor = latestSlotAtOrBefore(new Date(cursor.getTime() - 1), timeZone, time);
  }
  return slots;
}
