/**
 * Advice on a system's T1 and T2 that validation cannot give: pure functions of (the times, the
 * zone, the first day to look at). SEED.md: T1 and T2 outside business hours, with enough time
 * between them for people to validate; daylight saving can skip a slot's wall time, repeat it, or
 * shorten the real time between T1 and T2 on the night it changes.
 */
import { DateTime } from 'luxon';
import { instantAt, parseLocalTime, type LocalTime } from '../schedule/schedule-rules.ts';

export type Advice = { level: 'warn'; message: string };

const BUSINESS_HOURS = { from: 9, to: 18 };

export function scheduleAdvice(s: { t1: LocalTime; t2: LocalTime; timeZone: string; minGapMinutes: number }, from: Date, days = 366): Advice[] {
  const advice: Advice[] = [];
  for (const [slot, time] of [['T1', s.t1], ['T2', s.t2]] as const) {
    const t = parseLocalTime(time)!;
    if (t.hour >= BUSINESS_HOURS.from && t.hour < BUSINESS_HOURS.to) {
      advice.push({ level: 'warn', message: `${slot} at ${time} is inside business hours (09:00–18:00 ${s.timeZone}): SEED.md puts deploys off-peak, unless urgency demands otherwise` });
    }
  }
  const skipped: Record<'T1' | 'T2', string[]> = { T1: [], T2: [] };
  const repeated: Record<'T1' | 'T2', string[]> = { T1: [], T2: [] };
  const shortNights: string[] = [];
  const start = DateTime.fromJSDate(from, { zone: s.timeZone }).startOf('day');
  for (let d = 0; d < days; d++) {
    const date = start.plus({ days: d }).toISODate()!;
    for (const [slot, time] of [['T1', s.t1], ['T2', s.t2]] as const) {
      const t = parseLocalTime(time)!;
      const at = DateTime.fromJSDate(instantAt(date, time, s.timeZone), { zone: s.timeZone });
      if (at.hour !== t.hour || at.minute !== t.minute) skipped[slot].push(date);
      else if (at.plus({ hours: 1 }).toFormat('HH:mm') === time || at.minus({ hours: 1 }).toFormat('HH:mm') === time) repeated[slot].push(date);
    }
    const t1 = instantAt(date, s.t1, s.timeZone).getTime();
    let t2 = instantAt(date, s.t2, s.timeZone).getTime();
    if (t2 <= t1) t2 = instantAt(start.plus({ days: d + 1 }).toISODate()!, s.t2, s.timeZone).getTime();
    if ((t2 - t1) / 60_000 < s.minGapMinutes) shortNights.push(date);
  }
  for (const slot of ['T1', 'T2'] as const) {
    const time = slot === 'T1' ? s.t1 : s.t2;
    if (skipped[slot].length > 0) {
      advice.push({ level: 'warn', message: `${slot} at ${time} does not exist on ${skipped[slot].join(', ')} in ${s.timeZone} (clocks jump forward): that night it runs later by the gap; pick a time outside the change` });
    }
    if (repeated[slot].length > 0) {
      advice.push({ level: 'warn', message: `${slot} at ${time} happens twice on ${repeated[slot].join(', ')} in ${s.timeZone} (clocks fall back): it runs at the first; pick a time outside the change` });
    }
  }
  if (shortNights.length > 0) {
    advice.push({ level: 'warn', message: `on ${shortNights.join(', ')} daylight saving leaves less than ${s.minGapMinutes} minutes between T1 and T2 in ${s.timeZone}: people have less time to validate UAT` });
  }
  return advice;
}
