/**
 * Slot instants in words for people, in the system's time zone with the zone named: "tonight at
 * 22:00 HKT", "tomorrow at 22:00 HKT", "on Sat 28 Nov at 22:00 HKT", and whether an approval
 * came after the cutoff. Pure (Intl only, no time-zone library), so the dashboard shares it.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, options: Intl.DateTimeFormatOptions, locale = 'en-GB'): Intl.DateTimeFormat {
  const key = `${locale} ${timeZone} ${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone, ...options });
    formatters.set(key, f);
  }
  return f;
}

function parts(at: Date, timeZone: string): Record<string, string> {
  const out: Record<string, string> = {};
  const f = formatter(timeZone, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', weekday: 'short' });
  for (const p of f.formatToParts(at)) out[p.type] = p.value;
  if (out.hour === '24') out.hour = '00';
  return out;
}

/** "YYYY-MM-DD" of the instant in the zone. */
export function localDay(at: Date, timeZone: string): string {
  const p = parts(at, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** "HH:MM" of the instant in the zone. */
export function localClock(at: Date, timeZone: string): string {
  const p = parts(at, timeZone);
  return `${p.hour}:${p.minute}`;
}

/**
 * A short name of the zone at that instant: an abbreviation when some English locale knows one
 * (HKT, GMT, BST, EST, CET), else its offset (GMT+8).
 */
export function zoneAbbreviation(at: Date, timeZone: string): string {
  let offset = '';
  for (const locale of ['en-US', 'en-GB', 'en-HK', 'en-AU', 'en-IN']) {
    const name = formatter(timeZone, { timeZoneName: 'short', hour: '2-digit' }, locale)
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value;
    if (!name) continue;
    if (!/^(GMT|UTC)[+-−]/.test(name)) return name;
    offset ||= name.replace('−', '-');
  }
  return offset || timeZone;
}

/** Whole calendar days from `from` to `to` in the zone (0: the same local day). */
function daysBetween(from: Date, to: Date, timeZone: string): number {
  const a = Date.parse(`${localDay(from, timeZone)}T00:00:00Z`);
  const b = Date.parse(`${localDay(to, timeZone)}T00:00:00Z`);
  return Math.round((b - a) / 86_400_000);
}

/** "22:00 HKT" */
export function clockWithZone(at: Date, timeZone: string): string {
  return `${localClock(at, timeZone)} ${zoneAbbreviation(at, timeZone)}`;
}

/**
 * When a slot comes, from `now`: "tonight at 22:00 HKT" (the same local day; "today" before
 * 18:00), "tomorrow at 22:00 HKT", else "on Sat 28 Nov at 22:00 HKT"; "was due at …" once past.
 */
export function slotInWords(slot: Date, now: Date, timeZone: string): string {
  const clock = clockWithZone(slot, timeZone);
  const days = daysBetween(now, slot, timeZone);
  if (slot.getTime() <= now.getTime()) return `was due at ${clock} on ${dayName(slot, timeZone)}`;
  if (days === 0) return `${Number(localClock(slot, timeZone).slice(0, 2)) >= 18 ? 'tonight' : 'today'} at ${clock}`;
  if (days === 1) return `tomorrow at ${clock}`;
  return `on ${dayName(slot, timeZone)} at ${clock}`;
}

function dayName(at: Date, timeZone: string): string {
  const p = parts(at, timeZone);
  const month = formatter(timeZone, { month: 'short' }).format(at);
  return `${p.weekday} ${Number(p.day)} ${month}`;
}

/**
 * DESIGN.md decision 5 in words: an approval at or after the T2 of its own local day waits for the
 * next day's T2. `t2` is the system's "HH:MM".
 */
export function approvedAfterCutoff(approvedAt: Date, t2: string, timeZone: string): boolean {
  return localClock(approvedAt, timeZone) >= t2;
}

/**
 * The sentence a queued bug shows: "runs tonight at 22:00 HKT", or, when it was approved after
 * that day's cutoff, "after the cutoff: runs tomorrow at 22:00 HKT".
 */
export function runsAtInWords(input: { runsAt: Date; now: Date; timeZone: string; t2: string; approvedAt?: Date | null }): string {
  const when = slotInWords(input.runsAt, input.now, input.timeZone);
  const late = input.approvedAt ? approvedAfterCutoff(input.approvedAt, input.t2, input.timeZone) : false;
  return late ? `after the cutoff: runs ${when}` : `runs ${when}`;
}
